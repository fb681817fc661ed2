import { ModelError } from "../core/errors.ts";
import type { Usage } from "../core/events.ts";
import type { ModelReply } from "../core/ports.ts";

/** Characters of the model's text or raw arguments quoted in an `invalid` reason. */
export const EXCERPT_CHARS = 200;

const ONE_CALL = "reply with exactly one tool call";

/** One call of a completion's message, once its shape is checked. */
type Call =
  | { type: "function"; name: string; arguments: string }
  | { type: "custom"; name: string };

/**
 * Maps a Chat Completion to the core's `ModelReply`: exactly one function call with JSON arguments
 * is a `tool_call`; anything else the model chose (text only, a refusal, several calls,
 * unparsable arguments) is `invalid`, with a short reason the model reads on its next step.
 *
 * The body is checked, not trusted: a server answering 200 with no `choices`, an empty
 * `choices`, no `message`, `tool_calls` that is not an array or a call without a name or with
 * non-string arguments broke the protocol, which the model cannot fix. That throws a retryable
 * `ModelError` naming the server's `host` and what was missing: an `error` event, then an
 * escalation if it goes on, as for an unreachable model.
 *
 * @example
 * const reply = toModelReply(await client.chat.completions.create(params), "api.openai.com");
 * if (reply.type === "tool_call") console.log(reply.tool, reply.args);
 */
export function toModelReply(completion: unknown, host = "the server"): ModelReply {
  const broken = (what: string) =>
    new ModelError(`the model server at ${host} answered 200 ${what}`, { retryable: true });
  if (!isObject(completion)) throw broken("with a body that is not a JSON object");
  const { choices } = completion;
  if (!Array.isArray(choices)) throw broken("without `choices`");
  if (choices.length === 0) throw broken("with an empty `choices`");
  const [choice] = choices as unknown[];
  const message = isObject(choice) ? choice.message : undefined;
  if (!isObject(message)) throw broken("without `choices[0].message`");
  const rawCalls = message.tool_calls ?? [];
  if (!Array.isArray(rawCalls)) throw broken("with `tool_calls` that is not an array");
  const calls = (rawCalls as unknown[]).map((call, i) => {
    const parsed = toCall(call);
    if (typeof parsed === "string") throw broken(`with \`tool_calls[${i}]\` ${parsed}`);
    return parsed;
  });

  const usage = toUsage(completion);
  const withUsage = usage ? { usage } : {};
  const invalid = (reason: string): ModelReply => ({ type: "invalid", reason, ...withUsage });

  if (calls.length === 0) {
    const { refusal, content } = message;
    if (typeof refusal === "string" && refusal !== "") {
      return invalid(`the model refused: ${excerpt(refusal)}`);
    }
    const text = typeof content === "string" ? content : "";
    return invalid(
      text.trim() === ""
        ? `the model replied with no tool call and no text; ${ONE_CALL}`
        : `the model replied with text instead of a tool call: ${excerpt(text)}; ${ONE_CALL}`,
    );
  }
  const [call, ...rest] = calls;
  if (!call || rest.length > 0) {
    const names = calls.map((c) => c.name);
    return invalid(`the model made ${calls.length} tool calls (${names.join(", ")}); ${ONE_CALL}`);
  }
  if (call.type !== "function") {
    return invalid(`the model called ${call.name} as a custom tool; call it as a function`);
  }
  let args: unknown;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    return invalid(`the arguments for ${call.name} are not valid JSON: ${excerpt(call.arguments)}`);
  }
  return { type: "tool_call", tool: call.name, args, ...withUsage };
}

/** A tool call of the wire format, or what is wrong with it. */
function toCall(call: unknown): Call | string {
  if (!isObject(call)) return "that is not an object";
  if (call.type === "custom") {
    const custom = isObject(call.custom) ? call.custom : {};
    return typeof custom.name === "string"
      ? { type: "custom", name: custom.name }
      : "without a name";
  }
  // Some compatible servers leave `type` out of function calls.
  if (call.type !== undefined && call.type !== "function") {
    return `of unknown type ${excerpt(String(call.type), 40)}`;
  }
  const fn = isObject(call.function) ? call.function : undefined;
  if (!fn || typeof fn.name !== "string" || fn.name === "") return "without `function.name`";
  if (typeof fn.arguments !== "string") return "whose `function.arguments` is not a string";
  return { type: "function", name: fn.name, arguments: fn.arguments };
}

/** Token counts of a completion, when the API reported them as numbers. */
export function toUsage(completion: unknown): Usage | undefined {
  if (!isObject(completion) || !isObject(completion.usage)) return undefined;
  const { prompt_tokens: input, completion_tokens: output } = completion.usage;
  if (!isCount(input) || !isCount(output)) return undefined;
  const { model } = completion;
  return {
    inputTokens: input,
    outputTokens: output,
    ...(typeof model === "string" && model !== "" ? { model } : {}),
  };
}

/** `text` as a quoted one-liner of at most `max` characters (plus the quotes and an ellipsis). */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;
