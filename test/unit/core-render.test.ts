import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { renderEvents, renderValue } from "../../shared/core/render.ts";

const at = "2026-01-01T00:00:00.000Z";
const user: ThreadEvent = { type: "user_message", at, data: { message: "8 / 2" } };
const divideCall: ThreadEvent = {
  type: "tool_call",
  at,
  data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, source: "model" },
};
const approvalRequested: ThreadEvent = {
  type: "approval_requested",
  at,
  data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, argsHash: "h" },
};

describe("Function: renderEvents", () => {
  it("shows a rejection without a comment as an empty rejected tag", () => {
    // Prepare
    const rejected: ThreadEvent = {
      type: "approval_decision",
      at,
      data: { callId: "call_1", approved: false },
    };

    // Act
    const rendered = renderEvents([user, divideCall, approvalRequested, rejected], 100);

    // Assess
    expect(rendered).toBe(
      '<user_message>\n8 / 2\n</user_message>\n<divide>\na: 8\nb: 2\n</divide>\n<rejected tool="divide" />',
    );
  });

  it("shows the model nothing of approvals, failures, retries and the end of a thread", () => {
    // Prepare
    const events: ThreadEvent[] = [
      user,
      divideCall,
      approvalRequested,
      { type: "approval_decision", at, data: { callId: "call_1", approved: true } },
      { type: "failed", at, data: { reason: "step message dead-lettered" } },
      { type: "retry_requested", at, data: { reason: "redriven" } },
      { type: "tool_result", at, data: { callId: "call_1", tool: "divide", result: 4 } },
      { type: "done", at, data: { callId: "call_7", output: "4" } },
    ];

    // Act
    const rendered = renderEvents(events, 100);

    // Assess
    expect(rendered).toBe(
      "<user_message>\n8 / 2\n</user_message>\n<divide>\na: 8\nb: 2\n</divide>\n<divide_result>\n4\n</divide_result>",
    );
  });

  it("escapes quotes in the name of a tool the model made up", () => {
    // Prepare
    const madeUp: ThreadEvent = {
      type: "error",
      at,
      data: { code: "unknown_tool", message: "unknown tool", tool: 'say "hi"' },
    };

    // Act + Assess
    expect(renderEvents([madeUp], 100)).toBe(
      '<error tool="say &quot;hi&quot;">\nunknown tool\n</error>',
    );
  });

  it("refuses an event type it has no renderer for", () => {
    // Prepare: an event written by a newer version of the runtime
    const unknown = { type: "note", at, data: { text: "hi" } } as unknown as ThreadEvent;

    // Act + Assess
    expect(() => renderEvents([user, unknown], 100)).toThrow(
      new TypeError(
        'no renderer for event {"type":"note","at":"2026-01-01T00:00:00.000Z","data":{"text":"hi"}}',
      ),
    );
  });
});

describe("Function: renderValue", () => {
  it("renders missing values as null and empty lists as []", () => {
    expect(renderValue(undefined)).toBe("null");
    expect(renderValue(null)).toBe("null");
    expect(renderValue([])).toBe("[]");
    expect(renderValue(42)).toBe("42");
  });

  it("renders an empty object and a list inside a list on their own lines", () => {
    expect(renderValue([{}, [1, 2], "x"])).toBe("- {}\n- \n  - 1\n  - 2\n- x");
    expect(renderValue({ tags: [null, "v1"] })).toBe("tags: \n  - null\n  - v1");
  });
});
