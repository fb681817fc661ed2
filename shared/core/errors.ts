/**
 * One base error for the whole project. Subclasses set `name`, carry domain data, and always pass
 * `cause` on. Errors turn into HTTP codes only at the edge (the handlers).
 */
export class TwelveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TwelveError";
  }
}

/** The user (the agent's author or operator) configured something wrong. */
export class ConfigError extends TwelveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** The model could not be reached or kept failing after the adapter's own retries. */
export class ModelError extends TwelveError {
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, options);
    this.name = "ModelError";
    this.retryable = options.retryable;
  }
}

/** A response (approval or human input) names a call the thread is not waiting on. */
export class NotPendingError extends TwelveError {
  readonly threadId: string;
  readonly callId: string;
  constructor(threadId: string, callId: string, message: string) {
    super(message);
    this.name = "NotPendingError";
    this.threadId = threadId;
    this.callId = callId;
  }
}

/** An append lost the race: the thread is no longer at the version the writer read. */
export class VersionConflictError extends TwelveError {
  readonly threadId: string;
  readonly expectedVersion: number;
  constructor(threadId: string, expectedVersion: number, options?: { cause?: unknown }) {
    super(`thread ${threadId} is no longer at version ${expectedVersion}`, options);
    this.name = "VersionConflictError";
    this.threadId = threadId;
    this.expectedVersion = expectedVersion;
  }
}

/** A thread id that no store knows. */
export class ThreadNotFoundError extends TwelveError {
  readonly threadId: string;
  constructor(threadId: string) {
    super(`thread ${threadId} not found`);
    this.name = "ThreadNotFoundError";
    this.threadId = threadId;
  }
}

/** A fork asked for a version the thread never had. */
export class InvalidVersionError extends TwelveError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidVersionError";
  }
}

/** A `ScriptedModel` was called more often than its script allows, or left steps unused. */
export class ScriptError extends TwelveError {
  constructor(message: string) {
    super(message);
    this.name = "ScriptError";
  }
}

/** A listing cursor that this store did not hand out. */
export class InvalidCursorError extends TwelveError {
  constructor(
    message = "invalid cursor: pass the `next` value of an earlier page",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "InvalidCursorError";
  }
}
