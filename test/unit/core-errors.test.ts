import { describe, expect, it } from "vitest";
import {
  InvalidCursorError,
  registerErrorNames,
  ThreadNotFoundError,
  TwelveError,
  VersionConflictError,
} from "../../shared/core/errors.ts";

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
