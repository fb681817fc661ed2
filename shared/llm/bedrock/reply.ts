import type { ConverseResponse, TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import { ModelError } from "../../core/errors.ts";
import type { Usage } from "../../core/events.ts";
import type { ModelReply } from "../../core/ports.ts";
import { excerpt, ONE_CALL, oneCallReply, type ProviderCall } from "../one-call.ts";
import { isCount, tokenUsage } from "../usage.ts";

/** Stop reasons that mean the model's answer was withheld, said to the model as a refusal. */
const WITHHELD = new Set(["content_filtered", "guardrail_intervened"]);
/** Stop reasons that mean the model broke its tool call (or its output) on the way out. */
const MALFORMED = new Set(["malformed_tool_use", "malformed_model_output"]);

/**
 * Maps a Converse response to the core's `ModelReply` through the shared one-call rule: one
 * `toolUse` block is a `tool_call`; text, several `toolUse` blocks, a withheld answer or a
 * `malformed_tool_use` stop are `invalid`, with a reason the model reads next step. A 200 without
 * `output.message` broke the protocol: a retryable `ModelError` naming the model.
 *
 * @example
 * const reply = toBedrockReply(await client.send(new ConverseCommand(input)), modelId);
 */
export function toBedrockReply(response: ConverseResponse, modelId: string): ModelReply {
  const message = response.output?.message;
  if (!message || !Array.isArray(message.content)) {
    throw new ModelError(`Bedrock model ${modelId} answered 200 without \`output.message\``, {
      retryable: true,
    });
  }
  const usage = toBedrockUsage(response.usage, modelId);
  const withUsage = usage ? { usage } : {};
  const stop = response.stopReason ?? "";
  if (MALFORMED.has(stop)) {
    return {
      type: "invalid",
      reason: `the model's tool call was malformed (stop reason ${stop}); ${ONE_CALL} with JSON arguments that fit its schema`,
      ...withUsage,
    };
  }
  const calls: ProviderCall[] = [];
  const texts: string[] = [];
  for (const block of message.content) {
    if (block.toolUse) calls.push({ name: block.toolUse.name ?? "", args: block.toolUse.input });
    else if (typeof block.text === "string") texts.push(block.text);
  }
  const text = texts.join("\n");
  return oneCallReply({
    calls,
    text,
    refusal: WITHHELD.has(stop)
      ? `its answer was withheld (${stop})${text ? `: ${excerpt(text)}` : ""}`
      : undefined,
    ...withUsage,
  });
}

/**
 * Converse's token counts as the core's `Usage`. Bedrock counts the tokens read from and written
 * to the prompt cache apart from `inputTokens`; the core's `inputTokens` holds them all (and says
 * which were cached), so they are added in.
 */
export function toBedrockUsage(usage: TokenUsage | undefined, modelId: string): Usage | undefined {
  if (!usage || !isCount(usage.inputTokens) || !isCount(usage.outputTokens)) return undefined;
  const read = isCount(usage.cacheReadInputTokens) ? usage.cacheReadInputTokens : 0;
  const written = isCount(usage.cacheWriteInputTokens) ? usage.cacheWriteInputTokens : 0;
  return tokenUsage({
    input: usage.inputTokens + read + written,
    output: usage.outputTokens,
    cacheRead: read,
    cacheWrite: written,
    model: modelId,
  });
}
