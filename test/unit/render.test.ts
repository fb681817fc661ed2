import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import { renderContext, renderEvents, renderValue, truncate } from "../../shared/core/render.ts";
import { derivePending } from "../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import {
  approvalDecision,
  approvalRequested,
  call,
  done,
  failed,
  retryRequested,
  ScriptedModel,
  steppingClock,
  threadError,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";
import { runUntilIdle, withEvent } from "../support/run.ts";

const at = "2026-01-01T00:00:00.000Z";
const divideMessage: ThreadEvent = userMessage("8 / 2");
const divideCall: ThreadEvent = toolCall("call_1", "divide", { a: 8, b: 2 });
const approvalAsked: ThreadEvent = approvalRequested(
  "call_1",
  "divide",
  { a: 8, b: 2 },
  { argsHash: "h" },
);

describe("Function: renderValue", () => {
  it("renders objects as key: value lines, lists with dashes, nested with indentation", () => {
    expect(renderValue({ a: 1, b: "two", c: null, d: true })).toBe(
      "a: 1\nb: two\nc: null\nd: true",
    );
    expect(renderValue([1, "x"])).toBe("- 1\n- x");
    expect(renderValue([{ tag: "v1", commit: "abc" }])).toBe("- tag: v1\n  commit: abc");
    expect(renderValue({ outer: { inner: [1, 2] } })).toBe("outer: \n  inner: \n    - 1\n    - 2");
    expect(renderValue({ text: "line 1\nline 2" })).toBe("text: |\n  line 1\n  line 2");
    expect(renderValue({})).toBe("");
    expect(renderValue({ empty: {}, none: [] })).toBe("empty: {}\nnone: []");
  });

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

describe("Function: truncate", () => {
  it("leaves short text alone and cuts long text with a marker", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcdef", 3)).toBe("abc\n… [truncated 3 of 6 chars]");
  });
});

describe("Function: renderEvents", () => {
  const user: ThreadEvent = userMessage("3 + 4");
  const badCall: ThreadEvent = toolCall("call_1", "add", { a: "x" });
  const error: ThreadEvent = threadError("invalid_args", "invalid arguments: a", {
    callId: "call_1",
    tool: "add",
  });
  const goodCall: ThreadEvent = toolCall("call_3", "add", { a: 3, b: 4 });
  const result: ThreadEvent = toolResult("call_3", "add", 7);

  it("shows an error, and the call that caused it, until a later call succeeds", () => {
    expect(renderEvents([user, badCall, error], 100)).toBe(
      '<user_message>\n3 + 4\n</user_message>\n<add>\na: x\n</add>\n<error tool="add">\ninvalid arguments: a\n</error>',
    );
    expect(renderEvents([user, badCall, error, goodCall, result], 100)).toBe(
      "<user_message>\n3 + 4\n</user_message>\n<add>\na: 3\nb: 4\n</add>\n<add_result>\n7\n</add_result>",
    );
  });

  it("cuts a tool result longer than the budget, with a marker", () => {
    const big: ThreadEvent = toolResult("c", "read", "x".repeat(50));
    expect(renderEvents([big], 10)).toBe(
      `<read_result>\n${"x".repeat(10)}\n… [truncated 40 of 50 chars]\n</read_result>`,
    );
  });

  it("renders a call without arguments as an empty tag", () => {
    const listCall: ThreadEvent = toolCall("c", "list_git_tags", {}, { source: "prefetch" });
    expect(renderEvents([listCall], 10)).toBe("<list_git_tags />");
  });

  it("shows a rejection without a comment as an empty rejected tag", () => {
    // Prepare
    const rejected: ThreadEvent = approvalDecision("call_1", false);

    // Act
    const rendered = renderEvents([divideMessage, divideCall, approvalAsked, rejected], 100);

    // Assess
    expect(rendered).toBe(
      '<user_message>\n8 / 2\n</user_message>\n<divide>\na: 8\nb: 2\n</divide>\n<rejected tool="divide" />',
    );
  });

  it("shows the model nothing of approvals, failures, retries and the end of a thread", () => {
    // Prepare
    const events: ThreadEvent[] = [
      divideMessage,
      divideCall,
      approvalAsked,
      approvalDecision("call_1", true),
      failed("step message dead-lettered"),
      retryRequested("redriven"),
      toolResult("call_1", "divide", 4),
      done("call_7", "4"),
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
    const madeUp: ThreadEvent = threadError("unknown_tool", "unknown tool", { tool: 'say "hi"' });

    // Act + Assess
    expect(renderEvents([madeUp], 100)).toBe(
      '<error tool="say &quot;hi&quot;">\nunknown tool\n</error>',
    );
  });

  it("refuses an event type it has no renderer for", () => {
    // Prepare: an event written by a newer version of the runtime
    const unknown = { type: "note", at, data: { text: "hi" } } as unknown as ThreadEvent;

    // Act + Assess
    expect(() => renderEvents([divideMessage, unknown], 100)).toThrow(
      new TypeError(
        'no renderer for event {"type":"note","at":"2026-01-01T00:00:00.000Z","data":{"text":"hi"}}',
      ),
    );
  });
});

describe("Function: renderContext (prompt snapshots, factor 2)", () => {
  it("renders the calculator's whole context after an approval, a rejection and a question", async () => {
    // Prepare: a thread with every kind of event the calculator produces
    const clock = steppingClock();
    const model = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("multiply", { a: "seven", b: 2 }),
      call("divide", { a: 7, b: 0 }),
      call("request_more_information", {
        message: "Dividing by zero is impossible. What did you mean?",
      }),
    ]);
    const deps = { agent: calculator, model, clock };
    let { thread } = await runUntilIdle(
      launch({ agent: calculator, threadId: "thr_snap", message: "(3 + 4) * 2 / 0", clock }),
      deps,
    );
    const approval = derivePending(thread.events)?.callId ?? "";
    thread = withEvent(
      thread,
      respond(thread, { callId: approval, approved: false, comment: "b is zero" }, clock),
    );
    ({ thread } = await runUntilIdle(thread, deps));

    // Act
    const request = renderContext(calculator, thread);

    // Assess
    expect(request.messages[0]?.content).toMatchSnapshot("calculator system prompt");
    expect(request.messages[1]?.content).toMatchSnapshot("calculator thread");
    expect(request.tools).toMatchSnapshot("calculator tools");
  });

  it("renders deploybot's first context with its prefetched tags", async () => {
    const clock = steppingClock();
    const agent = createDeploybot();
    const model = new ScriptedModel([call("done_for_now", { message: "nothing to do" })]);
    await runUntilIdle(
      launch({ agent, threadId: "thr_snap", message: "deploy the latest backend", clock }),
      {
        agent,
        model,
        clock,
      },
    );
    expect(model.calls[0]?.messages).toMatchSnapshot("deploybot first context");
  });
});
