import * as z from "zod";
import { registerErrorNames, TwelveError } from "./errors.ts";

/**
 * An error a tool throws for the model to read: its message is shown to the model as written
 * (up to 500 characters), so say what to change ("no order 42: list the orders first"). Any
 * other error reaches the model compacted (see `compactToolError`).
 *
 * @example
 * run: async ({ orderId }) => {
 *   const order = await orders.get(orderId);
 *   if (!order) throw new ToolError(`no order ${orderId}: call list_orders for the ids`);
 *   return order;
 * },
 */
export class ToolError extends TwelveError {
  /**
   * `retryable: true` marks a passing failure (a timeout, a 503): a tool with a `retry` policy
   * runs the same call again, with the same idempotency key, before the model hears of it.
   */
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, { ...options, code: "tool_failed" });
  }
}
registerErrorNames({ ToolError });

/** Characters of a tool error's text the model sees, and of the detail the event keeps. */
const MODEL_TEXT_LIMIT = 500;
const SHORT_MESSAGE_LIMIT = 200;
const DETAIL_LIMIT = 2000;

// What names a place on the network: URLs, IP addresses, host:port, and dotted host names of
// three labels or more or under the common suffixes (`db.internal`, `api.example.com`).
const ADDRESSES = [
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi,
  /\[[0-9a-f:.]+\](:\d+)?/gi,
  /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])/gi,
  /(?<![\w:])(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])/gi,
  /\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g,
  /\b[a-z0-9-]+(\.[a-z0-9-]+){2,}(:\d+)?\b/gi,
  /\b[a-z0-9-]+\.(internal|local|lan|corp|intranet|com|net|org|io|dev|cloud|aws)(:\d+)?\b/gi,
  /\blocalhost(:\d+)?\b/gi,
];

function withoutAddresses(text: string): string {
  return ADDRESSES.reduce((out, pattern) => out.replace(pattern, "<host>"), text);
}

/**
 * What a failed call shows the model, and what the thread keeps for the operator (factor 9):
 * - `model`: a `ToolError`'s message as written; any other error as its class name and the first
 *   line of its message, with URLs, hosts and addresses replaced by `<host>` and no stack trace,
 *   so the model learns what kind of failure it was without the internals behind it;
 * - `detail`: the full `Name: message` (and its cause's), for the `error` event's `detail`,
 *   which the model never sees.
 *
 * @example
 * compactToolError(new Error("connect ECONNREFUSED 10.0.3.7:5432")).model;
 * // "Error: connect ECONNREFUSED <host>"
 */
export function compactToolError(cause: unknown): { model: string; detail: string } {
  const detail = describe(cause).slice(0, DETAIL_LIMIT);
  if (cause instanceof ToolError) {
    return { model: cause.message.slice(0, MODEL_TEXT_LIMIT), detail };
  }
  if (cause instanceof z.ZodError) {
    // The arguments no longer pass the tool's schema (an approved call, a prefetch): the
    // issues are about the model's own arguments, never about the tool's internals.
    const problems = cause.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    return { model: `invalid arguments: ${problems}`.slice(0, MODEL_TEXT_LIMIT), detail };
  }
  const text = cause instanceof Error ? cause.message : String(cause);
  const firstLine = text.split("\n").find((line) => line.trim() !== "") ?? "";
  const short = withoutAddresses(firstLine.trim()).slice(0, SHORT_MESSAGE_LIMIT);
  // A thrown value that is not an Error (a string) has no class name to show.
  if (!(cause instanceof Error)) return { model: short, detail };
  return { model: short ? `${cause.name}: ${short}` : cause.name, detail };
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const own = `${cause.name}: ${cause.message}`;
  return cause.cause === undefined ? own : `${own} (cause: ${describe(cause.cause)})`;
}
