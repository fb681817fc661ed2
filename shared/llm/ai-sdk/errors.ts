import {
  APICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  NoContentGeneratedError,
  TypeValidationError,
} from "@ai-sdk/provider";
import { ModelError } from "../../core/errors.ts";
import type { ModelIdentity } from "../../core/ports.ts";
import { networkCode } from "../network-code.ts";

/** What to fix, by the status a provider refused a request with (a person must act). */
const FIX = {
  400: "the provider refused the request; check the model's settings and provider options",
  401: "check the provider's API key",
  403: "check that the key may use this model (model access, organization, region)",
  404: "check the model id",
} as const satisfies Record<number, string>;

const fixFor = (status: number): string | undefined => (FIX as Record<number, string>)[status];

/**
 * Turns whatever a `doGenerate` threw into a `ModelError` naming the provider and model
 * (`model`: the adapter's identity), with the original as `cause`. An `APICallError` is retryable
 * as the provider decided (`isRetryable`: 408, 409, 429, 5xx and Anthropic's 529 `overloaded`); a
 * refused key, permission, model or request is not, and says what to fix. A missing API key is
 * not retryable either. The provider's error text stays out of the message (it can echo parts of
 * the key or the prompt) and reachable through `cause`; its error type (`overloaded_error`, ...)
 * is named when its body had one.
 *
 * @example
 * try {
 *   await languageModel.doGenerate(options);
 * } catch (cause) {
 *   throw toModelError(cause, { provider: "ai-sdk:anthropic.messages", model: "claude-sonnet-5" });
 * }
 */
export function toModelError(cause: unknown, model: ModelIdentity): ModelError {
  const who = `${model.provider} (${model.model})`;
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    if (status === undefined) {
      const code = networkCode(cause.cause);
      const message = `${who}: the request to the provider failed${code ? ` (${code})` : ""}`;
      return new ModelError(message, { cause, retryable: cause.isRetryable });
    }
    const type = errorType(cause.data);
    const fix = cause.isRetryable ? undefined : fixFor(status);
    const message = `${who} returned ${status}${type ? ` (${type})` : ""}${fix ? `: ${fix}` : ""}`;
    return new ModelError(message, { cause, retryable: cause.isRetryable });
  }
  if (LoadAPIKeyError.isInstance(cause)) {
    return new ModelError(`${who} has no API key: ${cause.message}`, { cause, retryable: false });
  }
  const name = cause instanceof Error ? cause.name : typeof cause;
  // A timeout or an abort (the `timeoutMs` option) may pass; so may an answer the provider could
  // not read (a broken 200). Anything else is a bug of the provider or of its settings.
  const retryable =
    name === "TimeoutError" || name === "AbortError" || unreadable.some((e) => e.isInstance(cause));
  return new ModelError(`${who} failed (${name})`, { cause, retryable });
}

/**
 * Whether `error` is a provider's 400 refusing a forced tool choice (the newest Claude models
 * answer so to `tool_choice: any`): the adapter then asks again with `auto`.
 */
export function isForcedChoiceRefusal(error: unknown): boolean {
  if (!APICallError.isInstance(error) || error.statusCode !== 400) return false;
  const said = `${error.message} ${error.responseBody ?? ""}`;
  return /tool[_ ]?choice|forced tool/i.test(said);
}

/** The AI SDK's errors for an answer the provider could not read: the next attempt may do. */
const unreadable = [
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  NoContentGeneratedError,
  TypeValidationError,
] as const;

/** The error type of a provider's error body (`{ error: { type } }`), when it has one. */
function errorType(data: unknown): string | undefined {
  const error = isObject(data) ? data.error : undefined;
  const type = isObject(error) ? error.type : undefined;
  return typeof type === "string" && /^[\w.-]{1,64}$/.test(type) ? type : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
