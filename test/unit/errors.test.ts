import { describe, expect, it } from "vitest";
import * as httpErrors from "../../functions/api/http.ts";
import {
  errorResponse,
  HTTP_ERRORS,
  HttpError,
  httpStatusOf,
  internalError,
} from "../../functions/api/http.ts";
import * as dynamoErrors from "../../shared/aws/dynamo/errors.ts";
import {
  CorruptThreadError,
  EventTooLargeError,
  TooManyEventsError,
} from "../../shared/aws/dynamo/errors.ts";
import * as eventsErrors from "../../shared/aws/events/errors.ts";
import { PutEventsError } from "../../shared/aws/events/errors.ts";
import * as sqsErrors from "../../shared/aws/sqs/errors.ts";
import { IncompleteSqsMessageError, InvalidStepMessageError } from "../../shared/aws/sqs/errors.ts";
import * as coreErrors from "../../shared/core/errors.ts";
import {
  AnswerNotAllowedError,
  ApprovalPendingError,
  ConfigError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  InvalidVersionError,
  isRetryable,
  ModelError,
  NotPendingError,
  QueueFullError,
  registerErrorNames,
  ScriptError,
  ThreadBusyError,
  ThreadClosedError,
  ThreadNotFoundError,
  TwelveError,
  VersionConflictError,
} from "../../shared/core/errors.ts";
import * as runContextErrors from "../../shared/core/run-context.ts";
import { InvalidMetadataError } from "../../shared/core/run-context.ts";
import * as runtimeErrors from "../../shared/runtime/errors.ts";
import { UnknownAgentError } from "../../shared/runtime/errors.ts";

/** One of every error class, with the code and retry decision each must carry. */
const samples: [TwelveError, string, boolean][] = [
  [new TwelveError("boom"), "internal", false],
  [new ConfigError("bad"), "invalid_config", false],
  [new ModelError("503", { retryable: true }), "model_failed", true],
  [new ModelError("401", { retryable: false }), "model_failed", false],
  [new NotPendingError("t-1", "call_1", "not waiting"), "not_pending", false],
  [new ThreadClosedError("t-1", "done", "thread t-1 is done"), "thread_closed", false],
  [new ApprovalPendingError("t-1", "call_3", "decide first"), "approval_pending", false],
  [new AnswerNotAllowedError("t-1", "needs decide"), "forbidden", false],
  [new ThreadBusyError("t-1", "running"), "thread_busy", false],
  [new QueueFullError("t-1", "full"), "queue_full", false],
  [new IdempotencyKeyReusedError("k-1"), "idempotency_key_reused", false],
  [new VersionConflictError("t-1", 3), "version_conflict", true],
  [new ThreadNotFoundError("t-1"), "thread_not_found", false],
  [new InvalidVersionError("no version 9"), "invalid_version", false],
  [new ScriptError("unused steps"), "script_mismatch", false],
  [new InvalidCursorError(), "invalid_cursor", false],
  [new InvalidMetadataError("metadata.x: bad", "metadata.x"), "invalid_metadata", false],
  [new UnknownAgentError("nope", ["calculator"]), "unknown_agent", false],
  [new CorruptThreadError("t-1", "META", "unreadable"), "corrupt_thread", false],
  [new TooManyEventsError("append", 120, 99), "too_many_events", false],
  [new EventTooLargeError("t-1", 3, "tool_result", 500_000, 409_600), "event_too_large", false],
  [
    new PutEventsError({ busName: "b", detailType: "d", errorCode: "ThrottlingException" }),
    "event_not_published",
    true,
  ],
  [
    new PutEventsError({ busName: "b", detailType: "d", errorCode: "AccessDeniedException" }),
    "event_not_published",
    false,
  ],
  [new InvalidStepMessageError("not JSON"), "invalid_step_message", false],
  [new IncompleteSqsMessageError("m-1", ["Attributes"]), "incomplete_sqs_message", false],
  [new HttpError("route_not_found", "no route"), "route_not_found", false],
];

/** Every error class the project's error modules export. */
const errorClasses = [
  coreErrors,
  runContextErrors,
  runtimeErrors,
  dynamoErrors,
  eventsErrors,
  sqsErrors,
  httpErrors,
]
  .flatMap((module) => Object.values(module))
  .filter(
    (value): value is typeof TwelveError =>
      typeof value === "function" &&
      (value === TwelveError || value.prototype instanceof TwelveError),
  );

const codeShape = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

describe("Class: TwelveError", () => {
  it.each(samples)("%s has code %s, retryable %s", (error, code, retryable) => {
    expect(error).toBeInstanceOf(TwelveError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.code).toMatch(codeShape);
  });

  it("names each error after its class", () => {
    for (const [error] of samples) expect(error.name).toBe(error.constructor.name);
    expect(new ThreadNotFoundError("t-1").name).toBe("ThreadNotFoundError");
    expect(String(new ConfigError("bad"))).toBe("ConfigError: bad");
  });

  it("passes cause on", () => {
    // Prepare
    const cause = new Error("underneath");

    // Act
    const errors = [
      new ConfigError("bad", { cause }),
      new ModelError("503", { cause, retryable: true }),
      new VersionConflictError("t-1", 3, { cause }),
      new InvalidCursorError(undefined, { cause }),
      new CorruptThreadError("t-1", "META", "unreadable", { cause }),
      new InvalidStepMessageError("not JSON", { cause }),
      new TwelveError("boom", { cause }),
    ];

    // Assess
    for (const error of errors) expect(error.cause).toBe(cause);
    expect("cause" in new ConfigError("no cause")).toBe(false);
  });

  it("has a sample for every exported error class", () => {
    const sampled = new Set(samples.map(([error]) => error.constructor));
    expect(errorClasses.filter((cls) => !sampled.has(cls)).map((cls) => cls.name)).toEqual([]);
  });
});

describe("Function: isRetryable", () => {
  it("follows the error's own decision, and retries what is not a TwelveError", () => {
    expect(isRetryable(new VersionConflictError("t-1", 1))).toBe(true);
    expect(isRetryable(new UnknownAgentError("nope", []))).toBe(false);
    expect(isRetryable(new InvalidStepMessageError("not JSON"))).toBe(false);
    expect(isRetryable(new Error("ECONNRESET"))).toBe(true);
    expect(isRetryable("thrown string")).toBe(true);
  });
});

describe("Table: HTTP_ERRORS", () => {
  it("covers every code", () => {
    const missing = samples.map(([error]) => error.code).filter((code) => !(code in HTTP_ERRORS));
    expect(missing).toEqual([]);
  });

  it("keys on snake_case codes and holds only 4xx, 500 and 501 (not served here)", () => {
    for (const [code, { status }] of Object.entries(HTTP_ERRORS)) {
      expect(code).toMatch(codeShape);
      expect([500, 501].includes(status) || (status >= 400 && status < 500), code).toBe(true);
    }
  });

  it.each([
    [new UnknownAgentError("nope", ["calculator"]), 404],
    [new ThreadNotFoundError("t-1"), 404],
    [new NotPendingError("t-1", "call_1", "not waiting"), 409],
    [new ThreadClosedError("t-1", "done", "thread t-1 is done"), 409],
    [new ApprovalPendingError("t-1", "call_3", "decide first"), 409],
    [new ThreadBusyError("t-1", "running"), 409],
    [new AnswerNotAllowedError("t-1", "needs decide"), 403],
    [new QueueFullError("t-1", "full"), 409],
    [new InvalidCursorError(), 400],
    [new InvalidMetadataError("metadata.x: bad", "metadata.x"), 400],
    [new HttpError("payload_too_large", "too big"), 413],
    [new HttpError("method_not_allowed", "no", { allowed: ["GET"] }), 405],
    [new HttpError("unauthorized", "no key"), 401],
    [new VersionConflictError("t-1", 1), 409],
    [new ConfigError("bad"), 500],
    [new TwelveError("custom", { code: "quota_exceeded" }), 500],
    [new Error("a bug"), 500],
  ])("answers %s with %i", (error, status) => {
    expect(httpStatusOf(error)).toBe(status);
  });
});

describe("Function: errorResponse", () => {
  const bodyOf = (error: TwelveError) => JSON.parse(errorResponse(error).body ?? "");

  it("answers with the contract's shape and the fields the code carries", () => {
    expect(bodyOf(new NotPendingError("t-1", "call_1", "not waiting"))).toEqual({
      error: { code: "not_pending", message: "not waiting", callId: "call_1" },
    });
    expect(bodyOf(new HttpError("method_not_allowed", "use GET", { allowed: ["GET"] }))).toEqual({
      error: { code: "method_not_allowed", message: "use GET", allowed: ["GET"] },
    });
    expect(bodyOf(new ThreadNotFoundError("t-1"))).toEqual({
      error: { code: "thread_not_found", message: "thread t-1 not found" },
    });
    expect(bodyOf(new AnswerNotAllowedError("t-1", "needs decide"))).toEqual({
      error: { code: "forbidden", message: "needs decide", missing: { verb: "decide" } },
    });
  });

  it("tells a client that lost a write race to send it again (Retry-After), and only that one", () => {
    const lost = errorResponse(new VersionConflictError("t-1", 3));
    expect([lost.statusCode, lost.headers?.["retry-after"]]).toEqual([409, "1"]);
    expect(errorResponse(new ThreadBusyError("t-1", "busy")).headers).not.toHaveProperty(
      "retry-after",
    );
  });

  it("asks for a bearer token on a 401 only", () => {
    expect(errorResponse(new HttpError("unauthorized", "no")).headers).toMatchObject({
      "www-authenticate": 'Bearer realm="twelve"',
    });
    expect(errorResponse(new ThreadNotFoundError("t-1")).headers).not.toHaveProperty(
      "www-authenticate",
    );
  });

  it("tells nothing of a failure of ours", () => {
    const response = internalError();
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? "")).toEqual({
      error: { code: "internal", message: "internal error; the request may be retried" },
    });
  });
});

describe("Function: registerErrorNames", () => {
  it("names an error by the key its class was registered under, as in a minified bundle", () => {
    // Prepare: a bundler renamed the class `QuotaError` to `e`
    const e = class extends TwelveError {};
    registerErrorNames({ QuotaError: e });

    // Act
    const error = new e("over quota", { code: "quota_exceeded", retryable: true });

    // Assess
    expect(error.name).toBe("QuotaError");
    expect(String(error)).toBe("QuotaError: over quota");
  });

  it("leaves an unregistered class its own name", () => {
    class BillingError extends TwelveError {}
    expect(new BillingError("card declined").name).toBe("BillingError");
  });
});

describe("Class: TwelveError subclasses", () => {
  it("say which thread and version a lost race was about", () => {
    const error = new VersionConflictError("thr_1", 4);
    expect(error.message).toBe("thread thr_1 is no longer at version 4");
    expect(error).toMatchObject({ threadId: "thr_1", expectedVersion: 4 });
  });

  it("say which thread was not found", () => {
    const error = new ThreadNotFoundError("thr_404");
    expect(error.message).toBe("thread thr_404 not found");
    expect(error.threadId).toBe("thr_404");
  });

  it("tell a caller with a bad cursor what to pass instead", () => {
    expect(new InvalidCursorError().message).toBe(
      "invalid cursor: pass the `next` value of an earlier page",
    );
    expect(new InvalidCursorError("cursor of another listing").message).toBe(
      "cursor of another listing",
    );
  });
});
