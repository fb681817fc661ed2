import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  deriveFailure,
  deriveStatus,
  deriveStepsSinceHumanInput,
} from "../../shared/core/thread.ts";
import { failed, retryRequested, toolCall, userMessage } from "../../shared/testing/index.ts";

const user: ThreadEvent = userMessage("1 + 1");
const poisoned: ThreadEvent = failed("poison");
const retry: ThreadEvent = retryRequested("redriven");

describe("a poisoned thread retried by an operator", () => {
  it("is running again after retry_requested, and poisoned again after a new failure", () => {
    expect(deriveStatus([user, poisoned])).toBe("failed");
    expect(deriveFailure([user, poisoned])).toBe("poison");
    expect(deriveStatus([user, poisoned, retry])).toBe("running");
    expect(deriveFailure([user, poisoned, retry])).toBeNull();
    expect(deriveStatus([user, poisoned, retry, poisoned])).toBe("failed");
  });

  it("starts a new step budget", () => {
    const call: ThreadEvent = toolCall("c", "add", {});
    expect(deriveStepsSinceHumanInput([user, call, call, poisoned, retry, call])).toBe(1);
  });
});
