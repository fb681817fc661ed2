import type { ChatCompletion } from "openai/resources/chat/completions";
import type { Usage } from "../core/events.ts";
import type { ModelReply } from "../core/ports.ts";

/** Characters of the model's text or raw arguments quoted in an `invalid` reason. */
export const EXCERPT_CHARS = 200;

const ONE_CALL = "reply with exactly one tool call";

/**
 * Maps a Chat Completion to the core's `ModelReply`: exactly one function call with JSON arguments
 * is a `tool_call`; anything else (text only, a refusal, several calls, unparsable arguments) is
 * `invalid`, with a short reason the model reads on its next step.
 *
 * @example
 * const reply = toModelReply(await client.chat.completions.create(params));
 * if (reply.type === "tool_call") console.log(reply.tool, reply.args);
 */
export function toModelReply(completion: ChatCompletion): ModelReply {
  const usage = toUsage(completion);
  const withUsage = usage ? { usage } : {};
  const invalid = (reason: string): ModelReply => ({ type: "invalid", reason, ...withUsage });

  const message = completion.choices[0]?.message;
  if (!message) return invalid(`the model returned no choices; ${ONE_CALL}`);
  const calls = message.tool_calls ?? [];
  if (calls.length === 0) {
    if (message.refusal) return invalid(`the model refused: ${excerpt(message.refusal)}`);
    const text = message.content ?? "";
    return invalid(
      text.trim() === ""
        ? `the model replied with no tool call and no text; ${ONE_CALL}`
        : `the model replied with text instead of a tool call: ${excerpt(text)}; ${ONE_CALL}`,
    );
  }
  const [call, ...rest] = calls;
  if (!call || rest.length > 0) {
    const names = calls.map((c) => (c.type === "function" ? c.function.name : c.custom.name));
    return invalid(`the model made ${calls.length} tool calls (${names.join(", ")}); ${ONE_CALL}`);
  }
  if (call.type !== "function") {
    return invalid(`the model called ${call.custom.name} as a custom tool; call it as a function`);
  }
  const { name, arguments: raw } = call.function;
  let args: unknown;
  try {
    args = JSON.parse(raw);
  } catch {
    return invalid(`the arguments for ${name} are not valid JSON: ${excerpt(raw)}`);
  }
  return { type: "tool_call", tool: name, args, ...withUsage };
}

/** Token counts of a completion, when the API reported them. */
export function toUsage(completion: ChatCompletion): Usage | undefined {
  const { usage } = completion;
  if (!usage) return undefined;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(completion.model ? { model: completion.model } : {}),
  };
}

/** `text` as a quoted one-liner of at most `max` characters (plus the quotes and an ellipsis). */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
