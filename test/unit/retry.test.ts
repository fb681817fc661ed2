import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  deriveFailure,
  deriveStatus,
  deriveStepsSinceHumanInput,
} from "../../shared/core/thread.ts";

const at = "2026-01-01T00:00:00.000Z";
const user: ThreadEvent = { type: "user_message", at, data: { message: "1 + 1" } };
const failed: ThreadEvent = { type: "failed", at, data: { reason: "poison" } };
const retry: ThreadEvent = { type: "retry_requested", at, data: { reason: "redriven" } };

describe("a failed thread retried by an operator", () => {
  it("is running again after retry_requested, and failed again after a new failure", () => {
    expect(deriveStatus([user, failed])).toBe("failed");
    expect(deriveFailure([user, failed])).toBe("poison");
    expect(deriveStatus([user, failed, retry])).toBe("running");
    expect(deriveFailure([user, failed, retry])).toBeNull();
    expect(deriveStatus([user, failed, retry, failed])).toBe("failed");
  });

  it("starts a new step budget", () => {
    const call: ThreadEvent = {
      type: "tool_call",
      at,
      data: { callId: "c", tool: "add", args: {}, source: "model" },
    };
    expect(deriveStepsSinceHumanInput([user, call, call, failed, retry, call])).toBe(1);
  });
});
