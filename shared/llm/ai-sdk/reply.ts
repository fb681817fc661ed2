import type { LanguageModelV4GenerateResult, LanguageModelV4Usage } from "@ai-sdk/provider";
import { ModelError } from "../../core/errors.ts";
import type { Usage } from "../../core/events.ts";
import type { ModelIdentity, ModelReply } from "../../core/ports.ts";
import { oneCallReply, type ProviderCall } from "../one-call.ts";
import { isCount, tokenUsage } from "../usage.ts";

/**
 * Maps a `doGenerate` result to the core's `ModelReply` through the one-call rule: one tool call
 * is a `tool_call`; text, a refusal (the provider's content filter), several calls or arguments
 * that are not JSON are `invalid`. Calls the provider ran itself (`providerExecuted`) are not the
 * model's choice of a Twelve tool and are left out. Usage names the model the provider says
 * answered, else `model.model`. A result without `content` throws a retryable `ModelError` naming
 * `model.provider` (the provider broke its interface, not the model).
 *
 * @example
 * const reply = toModelReply(await languageModel.doGenerate(options), {
 *   provider: "ai-sdk:anthropic.messages",
 *   model: "claude-sonnet-5",
 * });
 */
export function toModelReply(
  result: LanguageModelV4GenerateResult,
  model: ModelIdentity,
): ModelReply {
  if (!Array.isArray(result?.content)) {
    const message = `${model.provider} (${model.model}) returned a result without content`;
    throw new ModelError(message, { retryable: true });
  }
  const calls: ProviderCall[] = [];
  let text = "";
  for (const part of result.content) {
    if (part.type === "tool-call" && !part.providerExecuted) {
      // Some providers send no arguments at all for a tool without inputs.
      calls.push({ name: part.toolName, rawArguments: part.input === "" ? "{}" : part.input });
    } else if (part.type === "text") {
      text += part.text;
    }
  }
  const filtered = result.finishReason?.unified === "content-filter";
  return oneCallReply({
    calls,
    text,
    refusal: filtered ? text || `stopped by the provider (${result.finishReason.raw})` : undefined,
    usage: toUsage(result.usage, result.response?.modelId || model.model),
  });
}

/**
 * The tokens of a call, when the provider counted input and output; cache reads and writes (part
 * of the input) where it reports them, and the model that answered.
 *
 * @example
 * toUsage({ inputTokens: { total: 50, noCache: 10, cacheRead: 40, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: undefined } }, "claude-sonnet-5");
 * // { inputTokens: 50, outputTokens: 7, cacheReadTokens: 40, model: "claude-sonnet-5" }
 */
export function toUsage(
  usage: LanguageModelV4Usage | undefined,
  model: string | undefined,
): Usage | undefined {
  const input = usage?.inputTokens?.total;
  const output = usage?.outputTokens?.total;
  if (!isCount(input) || !isCount(output)) return undefined;
  const { cacheRead, cacheWrite } = usage?.inputTokens ?? {};
  return tokenUsage({ input, output, cacheRead, cacheWrite, model });
}
