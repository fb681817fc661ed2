import type { Usage } from "../core/events.ts";
import type { ModelReply } from "../core/ports.ts";

/** Characters of the model's text or raw arguments quoted in an `invalid` reason. */
export const EXCERPT_CHARS = 200;

/** What an `invalid` reason asks the model to do instead. */
export const ONE_CALL = "reply with exactly one tool call";

/**
 * The line an adapter adds to the request when the provider does not take a forced tool choice
 * (it sends `auto`): the contract of factor 1 is then said in words, and a reply that breaks it is
 * an `invalid` reply the model reads on its next step.
 */
export const ONE_CALL_INSTRUCTION =
  "Every reply must be exactly one tool call: never text alone, never several calls.";

/** One tool call as a provider returned it: arguments already parsed, or the raw JSON text. */
export type ProviderCall = { name: string; args: unknown } | { name: string; rawArguments: string };

/** What a provider answered, reduced to what the one-call contract reads. */
export interface ProviderAnswer {
  calls: readonly ProviderCall[];
  /** The text the model wrote beside (or instead of) its calls. */
  text?: string | undefined;
  /** A refusal the provider reported as such. */
  refusal?: string | undefined;
  usage?: Usage | undefined;
}

/**
 * THE one-call rule, shared by every adapter: exactly one call with JSON arguments is a
 * `tool_call`; no call (text, a refusal, nothing), several calls or unparsable arguments are an
 * `invalid` reply with a short reason the model reads on its next step.
 *
 * @example
 * oneCallReply({ calls: [{ name: "add", args: { a: 1, b: 2 } }] }); // { type: "tool_call", ... }
 */
export function oneCallReply(answer: ProviderAnswer): ModelReply {
  const withUsage = answer.usage ? { usage: answer.usage } : {};
  const invalid = (reason: string): ModelReply => ({ type: "invalid", reason, ...withUsage });
  const { calls } = answer;
  const [call, ...rest] = calls;
  if (!call) {
    if (answer.refusal) return invalid(`the model refused: ${excerpt(answer.refusal)}`);
    const text = answer.text ?? "";
    return invalid(
      text.trim() === ""
        ? `the model replied with no tool call and no text; ${ONE_CALL}`
        : `the model replied with text instead of a tool call: ${excerpt(text)}; ${ONE_CALL}`,
    );
  }
  if (rest.length > 0) {
    const names = calls.map((c) => c.name);
    return invalid(`the model made ${calls.length} tool calls (${names.join(", ")}); ${ONE_CALL}`);
  }
  if ("args" in call) return { type: "tool_call", tool: call.name, args: call.args, ...withUsage };
  try {
    const args: unknown = JSON.parse(call.rawArguments);
    return { type: "tool_call", tool: call.name, args, ...withUsage };
  } catch {
    return invalid(
      `the arguments for ${call.name} are not valid JSON: ${excerpt(call.rawArguments)}`,
    );
  }
}

/** `text` as a quoted one-liner of at most `max` characters (plus the quotes and an ellipsis). */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
