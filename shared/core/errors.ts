/**
 * One base error for the whole project. Every error has a stable, snake_case `code` and says
 * whether a later attempt of the same work may succeed (`retryable`) or not (terminal). Callers
 * decide from those two, never from a list of classes; HTTP statuses are looked up by `code` at
 * the edge (`functions/api/http.ts`).
 *
 * | code | class | retryable |
 * |---|---|---|
 * | `internal` | `TwelveError` (no more specific code) | no |
 * | `invalid_config` | `ConfigError` | no |
 * | `model_failed` | `ModelError` | as the failure says |
 * | `tool_failed` | `ToolError` (`tool-error.ts`: its message is what the model sees) | no |
 * | `not_pending` | `NotPendingError` | no |
 * | `thread_closed` | `ThreadClosedError` | no |
 * | `approval_pending` | `ApprovalPendingError` | no |
 * | `thread_busy` | `ThreadBusyError` | no |
 * | `queue_full` | `QueueFullError` | no |
 * | `idempotency_key_reused` | `IdempotencyKeyReusedError` | no |
 * | `version_conflict` | `VersionConflictError` | yes |
 * | `thread_not_found` | `ThreadNotFoundError` | no |
 * | `invalid_version` | `InvalidVersionError` | no |
 * | `script_mismatch` | `ScriptError` | no |
 * | `invalid_cursor` | `InvalidCursorError` | no |
 * | `invalid_metadata` | `InvalidMetadataError` (`run-context.ts`: a launch its agent's schema refuses) | no |
 * | `unknown_agent` | `UnknownAgentError` (runtime) | no |
 * | `corrupt_thread`, `too_many_events` | `CorruptThreadError`, `TooManyEventsError` (DynamoDB) | no |
 * | `event_not_published` | `PutEventsError` (EventBridge) | as the entry's error code says |
 * | `invalid_step_message`, `incomplete_sqs_message` | `InvalidStepMessageError`, `IncompleteSqsMessageError` (SQS) | no |
 */
export interface TwelveErrorOptions {
  /** What went wrong underneath: always passed on. */
  cause?: unknown;
  /** Stable and snake_case; default `internal`. */
  code?: string;
  /** Whether the same work may succeed later; default `false` (terminal). */
  retryable?: boolean;
}

/** The names errors registered under, for `name` in minified bundles (which rename classes). */
const registeredNames = new WeakMap<object, string>();

/**
 * Registers each class under the key it is given: object keys survive minification where class
 * names do not, so `error.name` reads `ThreadNotFoundError` in a Lambda bundle too. Each errors
 * module calls it once for the classes it exports.
 *
 * @example
 * registerErrorNames({ QuotaError });
 */
export function registerErrorNames(
  classes: Record<string, abstract new (...args: never[]) => Error>,
) {
  for (const [name, errorClass] of Object.entries(classes)) registeredNames.set(errorClass, name);
}

/**
 * The base of every Twelve error. `name` is the class's own name; `code` and `retryable` are
 * what callers decide from.
 *
 * @example
 * class QuotaError extends TwelveError {
 *   constructor(message: string) {
 *     super(message, { code: "quota_exceeded", retryable: true });
 *   }
 * }
 */
export class TwelveError extends Error {
  /** Stable and snake_case: what logs, answers and callers key on. */
  readonly code: string;
  /** `true`: a later attempt of the same work may succeed. `false`: terminal. */
  readonly retryable: boolean;
  constructor(message: string, options: TwelveErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = registeredNames.get(new.target) ?? new.target.name;
    this.code = options.code ?? "internal";
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Whether the work that threw `error` is worth another attempt. A `TwelveError` says so itself;
 * anything else (an SDK throttle, a dropped connection, a bug) counts as retryable, since
 * nothing proves a later attempt would fail the same way.
 *
 * @example
 * if (!isRetryable(error)) return drop(message); // a retry would fail the same way
 */
export const isRetryable = (error: unknown): boolean =>
  !(error instanceof TwelveError) || error.retryable;

/** The user (the agent's author or operator) configured something wrong. */
export class ConfigError extends TwelveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "invalid_config" });
  }
}

/** The model could not be reached or kept failing after the adapter's own retries. */
export class ModelError extends TwelveError {
  constructor(message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, { ...options, code: "model_failed" });
  }
}

/** A response (approval or human input) names a call the thread is not waiting on. */
export class NotPendingError extends TwelveError {
  readonly threadId: string;
  readonly callId: string;
  constructor(threadId: string, callId: string, message: string) {
    super(message, { code: "not_pending" });
    this.threadId = threadId;
    this.callId = callId;
  }
}

/** The thread is closed (done, failed or cancelled): the verb asked of it no longer applies. */
export class ThreadClosedError extends TwelveError {
  readonly threadId: string;
  readonly status: string;
  constructor(threadId: string, status: string, message: string) {
    super(message, { code: "thread_closed" });
    this.threadId = threadId;
    this.status = status;
  }
}

/** A message for a thread that waits for a decision: the decision comes first. */
export class ApprovalPendingError extends TwelveError {
  readonly threadId: string;
  readonly callId: string;
  constructor(threadId: string, callId: string, message: string) {
    super(message, { code: "approval_pending" });
    this.threadId = threadId;
    this.callId = callId;
  }
}

/** A message for a running thread, refused by its `ifRunning` policy. */
export class ThreadBusyError extends TwelveError {
  readonly threadId: string;
  constructor(threadId: string, message: string) {
    super(message, { code: "thread_busy" });
    this.threadId = threadId;
  }
}

/**
 * A message to a thread waiting for a person (a question or an escalation) would be its answer,
 * and the sender may not decide: a key given `message` but not `decide`. The edge answers it as
 * the scope refusal it is (403, `missing: { verb: "decide" }`).
 */
export class AnswerNotAllowedError extends TwelveError {
  readonly threadId: string;
  readonly missing = { verb: "decide" } as const;
  constructor(threadId: string, message: string) {
    super(message, { code: "forbidden" });
    this.threadId = threadId;
  }
}

/**
 * A message queued behind a running thread's step (`ifRunning: "enqueue"`) would pass what a
 * thread may hold waiting (`MAX_QUEUED_MESSAGES`, `MAX_QUEUED_BYTES`): it is refused, and nothing
 * is kept.
 */
export class QueueFullError extends TwelveError {
  readonly threadId: string;
  constructor(threadId: string, message: string) {
    super(message, { code: "queue_full" });
    this.threadId = threadId;
  }
}

/**
 * An `Idempotency-Key` sent again with another request (agent, message or metadata differ) than
 * the one it first came with: answering with the first thread would hide that the second request
 * was never carried out.
 *
 * @example
 * await expect(store.create({ thread, head, idempotencyKey, fingerprint })).rejects.toThrow(
 *   IdempotencyKeyReusedError,
 * );
 */
export class IdempotencyKeyReusedError extends TwelveError {
  readonly idempotencyKey: string;
  constructor(idempotencyKey: string) {
    super(
      `Idempotency-Key ${idempotencyKey} was used for another request (agent, message or ` +
        "metadata differ): use a new key for a new request",
      { code: "idempotency_key_reused" },
    );
    this.idempotencyKey = idempotencyKey;
  }
}

/** An append lost the race: the thread is no longer at the version the writer read. */
export class VersionConflictError extends TwelveError {
  readonly threadId: string;
  readonly expectedVersion: number;
  constructor(threadId: string, expectedVersion: number, options?: { cause?: unknown }) {
    super(`thread ${threadId} is no longer at version ${expectedVersion}`, {
      ...options,
      code: "version_conflict",
      // Reloading the thread and trying again is the answer to a lost race.
      retryable: true,
    });
    this.threadId = threadId;
    this.expectedVersion = expectedVersion;
  }
}

/** A thread id that no store knows. */
export class ThreadNotFoundError extends TwelveError {
  readonly threadId: string;
  constructor(threadId: string) {
    super(`thread ${threadId} not found`, { code: "thread_not_found" });
    this.threadId = threadId;
  }
}

/** A fork asked for a version the thread never had. */
export class InvalidVersionError extends TwelveError {
  constructor(message: string) {
    super(message, { code: "invalid_version" });
  }
}

/** A `ScriptedModel` was called more often than its script allows, or left steps unused. */
export class ScriptError extends TwelveError {
  constructor(message: string) {
    super(message, { code: "script_mismatch" });
  }
}

/** A listing cursor that this store did not hand out. */
export class InvalidCursorError extends TwelveError {
  constructor(
    message = "invalid cursor: pass the `next` value of an earlier page",
    options?: { cause?: unknown },
  ) {
    super(message, { ...options, code: "invalid_cursor" });
  }
}

registerErrorNames({
  TwelveError,
  ConfigError,
  IdempotencyKeyReusedError,
  ThreadClosedError,
  ApprovalPendingError,
  AnswerNotAllowedError,
  ThreadBusyError,
  QueueFullError,
  ModelError,
  NotPendingError,
  VersionConflictError,
  ThreadNotFoundError,
  InvalidVersionError,
  ScriptError,
  InvalidCursorError,
});
