import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { ModelError } from "../core/errors.ts";

/** Statuses worth another attempt later: the SDK retries the same ones. */
const RETRYABLE_STATUS = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Turns whatever the OpenAI SDK threw (after its own retries) into a `ModelError` with a short
 * message naming the status, the original as `cause`, and whether a later attempt may succeed.
 * The server's error text is left out of the message (it can echo parts of the key or the prompt)
 * and stays reachable through `cause`.
 *
 * @example
 * try {
 *   await client.chat.completions.create(params);
 * } catch (cause) {
 *   throw toModelError(cause);
 * }
 */
export function toModelError(cause: unknown): ModelError {
  if (cause instanceof APIConnectionTimeoutError) {
    return new ModelError("OpenAI request timed out", { cause, retryable: true });
  }
  if (cause instanceof APIConnectionError) {
    return new ModelError("OpenAI connection failed", { cause, retryable: true });
  }
  if (cause instanceof APIUserAbortError) {
    return new ModelError("OpenAI request was aborted", { cause, retryable: true });
  }
  if (cause instanceof APIError && typeof cause.status === "number") {
    const detail = cause.code ?? cause.type;
    const message = `OpenAI API returned ${cause.status}${detail ? ` (${detail})` : ""}`;
    return new ModelError(message, { cause, retryable: RETRYABLE_STATUS(cause.status) });
  }
  const name = cause instanceof Error ? cause.name : typeof cause;
  return new ModelError(`OpenAI call failed (${name})`, { cause, retryable: false });
}
