import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { ModelError } from "../core/errors.ts";
import { networkCode } from "./network-code.ts";

/** Statuses worth another attempt later: the SDK retries the same ones. */
const RETRYABLE_STATUS = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Turns whatever the OpenAI SDK threw (after its own retries) into a `ModelError` with a short
 * message naming the server's host (`host`: the base URL's, never its path, user or key), the
 * status, the original as `cause`, and whether a later attempt may succeed. The server's error
 * text is left out of the message (it can echo parts of the key or the prompt) and stays
 * reachable through `cause`.
 *
 * @example
 * try {
 *   await client.chat.completions.create(params);
 * } catch (cause) {
 *   throw toModelError(cause, hostOf(client.baseURL));
 * }
 */
export function toModelError(cause: unknown, host = "the server"): ModelError {
  if (cause instanceof APIConnectionTimeoutError) {
    return new ModelError(`OpenAI request to ${host} timed out`, { cause, retryable: true });
  }
  if (cause instanceof APIConnectionError) {
    const code = networkCode(cause.cause);
    return new ModelError(`OpenAI connection to ${host} failed${code ? ` (${code})` : ""}`, {
      cause,
      retryable: true,
    });
  }
  if (cause instanceof APIUserAbortError) {
    return new ModelError(`OpenAI request to ${host} was aborted`, { cause, retryable: true });
  }
  if (cause instanceof APIError && typeof cause.status === "number") {
    const detail = cause.code ?? cause.type;
    const message = `OpenAI API at ${host} returned ${cause.status}${detail ? ` (${detail})` : ""}`;
    return new ModelError(message, { cause, retryable: RETRYABLE_STATUS(cause.status) });
  }
  const name = cause instanceof Error ? cause.name : typeof cause;
  return new ModelError(`OpenAI call to ${host} failed (${name})`, { cause, retryable: false });
}

/**
 * The host (and port) of a base URL, for messages: never its path, its user or a password in it.
 *
 * @example
 * hostOf("http://user:secret@127.0.0.1:4499/v1"); // "127.0.0.1:4499"
 */
export function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host || "the server";
  } catch {
    return "the server";
  }
}
