import { ModelError } from "../../core/errors.ts";
import { networkCode } from "../network-code.ts";

/** Where a failed call went, for messages that say what to fix. */
export interface CallSite {
  modelId: string;
  /** The client's region, when it could be read. */
  region?: string | undefined;
}

/** Bedrock Runtime's errors, by the name the SDK gives them (its `x-amzn-ErrorType`). */
type Known =
  | "ThrottlingException"
  | "ServiceUnavailableException"
  | "ModelNotReadyException"
  | "ModelTimeoutException"
  | "InternalServerException"
  | "ModelErrorException"
  | "ServiceQuotaExceededException"
  | "AccessDeniedException"
  | "ValidationException"
  | "ResourceNotFoundException";

/** Each error: whether a later attempt may succeed, and what the message says. */
const known = {
  ThrottlingException: { retryable: true, say: (s) => `Bedrock throttled ${model(s)}` },
  ServiceUnavailableException: {
    retryable: true,
    say: (s) => `Bedrock is unavailable for ${model(s)}`,
  },
  ModelNotReadyException: { retryable: true, say: (s) => `${cap(model(s))} is not ready yet` },
  ModelTimeoutException: { retryable: true, say: (s) => `${cap(model(s))} timed out` },
  InternalServerException: {
    retryable: true,
    say: (s) => `Bedrock had an internal error calling ${model(s)}`,
  },
  ModelErrorException: { retryable: true, say: (s) => `${cap(model(s))} failed to answer` },
  ServiceQuotaExceededException: {
    retryable: true,
    say: (s) => `Bedrock's quota for ${model(s)} is used up (raise it in Service Quotas)`,
  },
  AccessDeniedException: {
    retryable: false,
    say: (s) =>
      `Bedrock denied access to ${model(s)}: allow bedrock:InvokeModel on it (and on the foundation models an inference profile routes to) for the caller's role, and check the model's access in the Bedrock console`,
  },
  ValidationException: {
    retryable: false,
    say: (s, detail) =>
      `Bedrock rejected the request to ${model(s)}${detail ? `: ${detail}` : ""} (check the model id, that the model supports tool use in Converse, and the options)`,
  },
  ResourceNotFoundException: {
    retryable: false,
    say: (s) =>
      `Bedrock found no ${model(s)}: check the id (an inference profile such as us.<model id> where the model needs one) and the region`,
  },
} as const satisfies Record<
  Known,
  { retryable: boolean; say: (site: CallSite, detail?: string) => string }
>;

const model = (site: CallSite) => `model ${site.modelId}${site.region ? ` in ${site.region}` : ""}`;
const cap = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Characters of the service's own text kept in a validation error's message. */
const DETAIL_CHARS = 200;

/**
 * Turns whatever the Bedrock Runtime client threw (after its own retries) into a `ModelError`
 * naming the model (and region), the original as `cause`, and whether a later attempt may
 * succeed: throttling, unavailable, not ready, timeouts and internal errors are retryable; access
 * denied, validation and not found escalate at once, saying what to fix. Matched by the error's
 * name, not `instanceof`, so a client of another copy of the SDK (the Lambda runtime's) maps the
 * same. A validation message keeps the service's own text (cut short): it is what says which part
 * of the request is wrong, and Bedrock's requests are signed, so no key can be echoed in it.
 *
 * @example
 * try {
 *   await client.send(command);
 * } catch (cause) {
 *   throw toBedrockError(cause, { modelId, region: "us-east-1" });
 * }
 */
export function toBedrockError(cause: unknown, site: CallSite): ModelError {
  const name = cause instanceof Error ? cause.name : typeof cause;
  const entry = (known as Partial<Record<string, (typeof known)[Known]>>)[name];
  if (entry) {
    const detail = name === "ValidationException" ? serviceText(cause) : undefined;
    return new ModelError(entry.say(site, detail), { cause, retryable: entry.retryable });
  }
  const status = statusOf(cause);
  if (status !== undefined) {
    return new ModelError(`Bedrock answered ${status} (${name}) calling ${model(site)}`, {
      cause,
      retryable: status === 408 || status === 429 || status >= 500,
    });
  }
  if (cause instanceof Error && /region is missing/i.test(cause.message)) {
    return new ModelError(
      `no AWS region to call Bedrock ${model(site)}: set AWS_REGION or pass clientConfig.region`,
      { cause, retryable: false },
    );
  }
  if (name === "CredentialsProviderError") {
    return new ModelError(
      `no AWS credentials to call Bedrock ${model(site)}: give the process a role or a profile (the SDK's default chain), or pass clientConfig.credentials`,
      { cause, retryable: false },
    );
  }
  // No answer at all: a connection refused or reset, a timeout, an abort.
  const code = networkCode(cause);
  return new ModelError(`Bedrock call to ${model(site)} failed (${code ?? name})`, {
    cause,
    retryable: true,
  });
}

/**
 * Whether `cause` is Bedrock refusing a forced tool choice (a 400 naming the tool choice, or the
 * `disable_parallel_tool_use` field sent beside it for Claude, or that field's missing `type`):
 * the model then gets `auto` and the one-call instruction instead, without the field.
 */
export function refusesForcedChoice(cause: unknown): boolean {
  return (
    cause instanceof Error &&
    cause.name === "ValidationException" &&
    /tool.?choice|disable_parallel_tool_use|missing field .type./i.test(cause.message)
  );
}

/** The HTTP status of an answer the SDK turned into an error. */
function statusOf(cause: unknown): number | undefined {
  const status = (cause as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata
    ?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

function serviceText(cause: unknown): string | undefined {
  const text = cause instanceof Error ? cause.message.trim() : "";
  if (text === "") return undefined;
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS)}…` : text;
}
