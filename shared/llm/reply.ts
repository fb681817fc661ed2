import { ModelError } from "../core/errors.ts";
import type { Usage } from "../core/events.ts";
import type { ModelReply } from "../core/ports.ts";
import { excerpt, oneCallReply } from "./one-call.ts";
import { isCount, tokenUsage } from "./usage.ts";

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
  const customCall = calls.find((c) => c.type === "custom");
  if (calls.length === 1 && customCall) {
    const reason = `the model called ${customCall.name} as a custom tool; call it as a function`;
    return { type: "invalid", reason, ...(usage ? { usage } : {}) };
  }
  const { refusal, content } = message;
  return oneCallReply({
    calls: calls.map((c) =>
      c.type === "function"
        ? { name: c.name, rawArguments: c.arguments }
        : { name: c.name, args: {} },
    ),
    text: typeof content === "string" ? content : undefined,
    refusal: typeof refusal === "string" && refusal !== "" ? refusal : undefined,
    usage,
  });
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

/**
 * Token counts of a completion, when the API reported them as numbers; the part of the input
 * read from OpenAI's prompt cache is `usage.prompt_tokens_details.cached_tokens` (counted in
 * `prompt_tokens` too). OpenAI reports no cache writes: they cost what input costs.
 */
export function toUsage(completion: unknown): Usage | undefined {
  if (!isObject(completion) || !isObject(completion.usage)) return undefined;
  const {
    prompt_tokens: input,
    completion_tokens: output,
    prompt_tokens_details,
  } = completion.usage;
  if (!isCount(input) || !isCount(output)) return undefined;
  const cacheRead = isObject(prompt_tokens_details) ? prompt_tokens_details.cached_tokens : 0;
  return tokenUsage({
    input,
    output,
    cacheRead: isCount(cacheRead) && cacheRead <= input ? cacheRead : 0,
    model: completion.model,
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
