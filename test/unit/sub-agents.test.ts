import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  agentTool,
  childOutcome,
  childThread,
  defineAgent,
  deriveStatus,
  doneForNow,
  headAfter,
  message,
  step,
  type Thread,
  type ThreadEvent,
} from "../../shared/core/index.ts";
import { childDeleted, orphanFate } from "../../shared/core/sub-agents.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import {
  call,
  cancelled,
  childRequested,
  done,
  failed,
  ScriptedModel,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";

const clock = { now: () => new Date("2026-06-01T00:00:00.000Z") };
const researcher = defineAgent({ name: "researcher", prompt: "Research.", tools: [doneForNow] });
const lead = defineAgent({
  name: "lead",
  prompt: "Delegate.",
  tools: [agentTool(researcher), doneForNow],
  maxDepth: 2,
});

/** A parent that called the researcher and waits for it. */
const waitingParent = (extra: ThreadEvent[] = []): Thread => ({
  id: "thr_p",
  agent: "lead",
  events: [
    userMessage("find X", { metadata: { tenant: "acme" } }),
    toolCall("call_1", "researcher", { message: "look for X" }),
    childRequested("call_1", "researcher", "look for X"),
    ...extra,
  ],
});

const child = (end: ThreadEvent[]): Thread => {
  const launched = childThread(
    waitingParent(),
    { callId: "call_1", tool: "researcher", agent: "researcher", message: "look for X", depth: 1 },
    researcher,
    clock,
  );
  return { ...launched, events: [...launched.events, ...end] };
};

describe("Function: agentTool", () => {
  it("is a tool of kind agent taking { message }, named after the child unless told", () => {
    const tool = agentTool(researcher);
    expect(tool).toMatchObject({ name: "researcher", kind: "agent" });
    expect(tool.spec.parameters).toMatchObject({ required: ["message"] });
    expect(agentTool(researcher, { name: "ask_research" }).name).toBe("ask_research");
  });

  it("renders a custom input into the child's first message", () => {
    const tool = agentTool(researcher, {
      input: z.object({ topic: z.string(), depth: z.number() }),
    });
    if (tool.kind !== "agent") throw new Error("not an agent tool");
    expect(tool.message({ topic: "tides", depth: 2 })).toBe("topic: tides\ndepth: 2");
  });

  it("refuses something that is not an agent", () => {
    expect(() => agentTool({} as never)).toThrow(/agentTool needs an agent/);
  });

  it("makes the called agents served with their caller", () => {
    expect([...agentMap([lead]).keys()]).toEqual(["lead", "researcher"]);
  });

  it("refuses a called agent that is another agent of a served name", () => {
    const other = defineAgent({ name: "researcher", prompt: "x", tools: [doneForNow] });
    expect(() => agentMap([lead, other])).toThrow(/not the agent of that name/);
  });
});

describe("Function: step (an agent tool's call)", () => {
  it("records the call and the child request, and waits for the agent", async () => {
    const thread: Thread = { id: "thr_p", agent: "lead", events: [userMessage("find X")] };
    const model = new ScriptedModel([call("researcher", { message: "look for X" })]);
    const result = await step(thread, { agent: lead, model, clock });
    expect(result.events.map((e) => e.type)).toEqual(["tool_call", "child_requested"]);
    expect(result.next).toEqual({
      type: "await_agent",
      request: {
        callId: "call_1",
        tool: "researcher",
        agent: "researcher",
        message: "look for X",
        depth: 1,
      },
    });
    expect(headAfter(result).status).toBe("waiting_for_agent");
    expect(deriveStatus([...thread.events, ...result.events])).toBe("waiting_for_agent");
  });

  it("runs no model call while the child runs", async () => {
    const model = new ScriptedModel([]);
    const result = await step(waitingParent(), { agent: lead, model, clock });
    expect(result.events).toEqual([]);
    expect(result.next.type).toBe("await_agent");
  });

  it("refuses a call past maxDepth as a compact depth_limit error, and goes on", async () => {
    const deep = child([]);
    const atDepth2: Thread = {
      ...deep,
      agent: "lead",
      events: [
        {
          ...(deep.events[0] as ThreadEvent & { type: "user_message" }),
          data: {
            message: "x",
            parent: { threadId: "thr_a", callId: "call_1", rootThreadId: "thr_r", depth: 2 },
          },
        },
      ],
    };
    const model = new ScriptedModel([call("researcher", { message: "deeper" })]);
    const result = await step(atDepth2, { agent: lead, model, clock });
    expect(result.events.map((e) => e.type)).toEqual(["tool_call", "error"]);
    expect(result.events[1]).toMatchObject({
      data: { code: "depth_limit", tool: "researcher", callId: "call_1" },
    });
    expect(result.next.type).toBe("continue");
  });
});

describe("Function: childThread", () => {
  it("starts with the call's message, the parent's metadata, and where it sits", () => {
    const launched = child([]);
    expect(launched.id).toBe("thr_p-call_1");
    expect(launched.agent).toBe("researcher");
    expect(launched.events).toEqual([
      {
        type: "user_message",
        at: "2026-06-01T00:00:00.000Z",
        by: { principal: "thr_p", via: "agent" },
        data: {
          message: "look for X",
          metadata: { tenant: "acme" },
          parent: { threadId: "thr_p", callId: "call_1", rootThreadId: "thr_p", depth: 1 },
        },
      },
    ]);
  });
});

/** A fork of the child: its first event (the parent link) copied, under an id of its own. */
const forkOfChild = (end: ThreadEvent[]): Thread => ({ ...child(end), id: "thr_fork" });

describe("Function: childOutcome", () => {
  const options = { clock, resultBudget: 20 };

  it("is the call's tool_result when the child is done", () => {
    const event = childOutcome(waitingParent(), child([done("call_1", "X is at 42")]), options);
    expect(event).toMatchObject({
      type: "tool_result",
      by: { principal: "thr_p-call_1", via: "agent" },
      data: { callId: "call_1", tool: "researcher", result: "X is at 42" },
    });
  });

  it("is an agent_failed error saying why, cut to the result budget, when it failed or was cancelled", () => {
    const failedChild = child([failed("a very long reason that goes on and on")]);
    const event = childOutcome(waitingParent(), failedChild, options);
    expect(event).toMatchObject({
      type: "error",
      data: { code: "agent_failed", callId: "call_1" },
    });
    expect(event?.type === "error" && event.data.message).toMatch(
      /^researcher failed: a very long reason t\n… \[truncated 18 of 38 chars\]$/,
    );
    const stopped = childOutcome(waitingParent(), child([cancelled({ reason: "no" })]), options);
    expect(stopped).toMatchObject({ data: { message: "researcher was cancelled: no" } });
  });

  it("is nothing twice: a parent holding the outcome already appends nothing", () => {
    const parent = waitingParent([toolResult("call_1", "researcher", "X is at 42")]);
    expect(childOutcome(parent, child([done("call_1", "X is at 42")]), options)).toBeNull();
  });

  it("never resumes a cancelled parent", () => {
    const parent = waitingParent([cancelled()]);
    expect(childOutcome(parent, child([done("call_1", "late")]), options)).toBeNull();
  });

  it("is nothing while the child runs, or for a thread that is not its parent (a fork)", () => {
    expect(childOutcome(waitingParent(), child([]), options)).toBeNull();
    const fork = { ...waitingParent(), id: "thr_fork" };
    expect(childOutcome(fork, child([done("call_1", "x")]), options)).toBeNull();
  });

  it("is nothing for a fork of the child: its end is not the call's outcome", () => {
    expect(childOutcome(waitingParent(), forkOfChild([done("call_1", "x")]), options)).toBeNull();
    const failedFork = forkOfChild([failed("boom")]);
    expect(childOutcome(waitingParent(), failedFork, options)).toBeNull();
  });
});

describe("Function: childDeleted", () => {
  it("ends the call its parent waits for with an agent_failed error the model reads", () => {
    expect(childDeleted(waitingParent(), child([]), clock)).toEqual({
      type: "error",
      at: "2026-06-01T00:00:00.000Z",
      data: {
        code: "agent_failed",
        message: "researcher failed: its child thread thr_p-call_1 was deleted",
        callId: "call_1",
        tool: "researcher",
      },
    });
  });

  it("is nothing when the parent waits no more (cancelled, or the outcome is in)", () => {
    expect(childDeleted(waitingParent([cancelled()]), child([]), clock)).toBeNull();
    const answered = waitingParent([toolResult("call_1", "researcher", "x")]);
    expect(childDeleted(answered, child([]), clock)).toBeNull();
  });

  it("is nothing for a fork of the child: the real child still runs", () => {
    expect(childDeleted(waitingParent(), forkOfChild([]), clock)).toBeNull();
  });
});

describe("Function: orphanFate", () => {
  it("keeps a child its parent waits for, a child that ended, and a root", () => {
    expect(orphanFate(child([]), waitingParent())).toEqual({ fate: "keep" });
    const cancelledParent = waitingParent([cancelled()]);
    expect(orphanFate(child([done("call_1", "x")]), cancelledParent)).toEqual({ fate: "keep" });
    expect(orphanFate(child([cancelled()]), undefined)).toEqual({ fate: "keep" });
    expect(orphanFate(waitingParent(), undefined)).toEqual({ fate: "keep" });
  });

  it("cancels a child whose parent was cancelled, failed, or no longer waits for its call", () => {
    expect(orphanFate(child([]), waitingParent([cancelled()]))).toEqual({
      fate: "cancel",
      reason: "its parent thread thr_p was cancelled",
    });
    expect(orphanFate(child([]), waitingParent([failed("boom")]))).toEqual({
      fate: "cancel",
      reason: "its parent thread thr_p failed",
    });
    const movedOn = waitingParent([toolResult("call_1", "researcher", "from elsewhere")]);
    expect(orphanFate(child([]), movedOn)).toEqual({
      fate: "cancel",
      reason: "its parent thread thr_p no longer waits for it",
    });
    const otherCall = waitingParent([
      toolResult("call_1", "researcher", "x"),
      toolCall("call_5", "researcher", { message: "again" }),
      childRequested("call_5", "researcher", "again"),
    ]);
    expect(deriveStatus(otherCall.events)).toBe("waiting_for_agent");
    expect(orphanFate(child([]), otherCall)).toMatchObject({ fate: "cancel" });
  });

  it("cancels a child that ended and was reopened when its parent or its root was cancelled", () => {
    const reopened = child([done("call_1", "x"), userMessage("again")]);
    expect(deriveStatus(reopened.events)).toBe("running");
    expect(orphanFate(reopened, waitingParent())).toEqual({ fate: "keep" });
    expect(orphanFate(reopened, waitingParent([cancelled()]))).toEqual({
      fate: "cancel",
      reason: "its parent thread thr_p was cancelled",
    });
    const root = { id: "thr_root", events: [userMessage("hi"), cancelled()] };
    expect(orphanFate(reopened, waitingParent(), root)).toEqual({
      fate: "cancel",
      reason: "its root thread thr_root was cancelled",
    });
  });

  it("deletes a child whose parent is gone", () => {
    expect(orphanFate(child([]), undefined)).toEqual({ fate: "delete" });
  });

  it("keeps a fork of a child, whatever its parent's state: no call launched it", () => {
    expect(orphanFate(forkOfChild([]), waitingParent([cancelled()]))).toEqual({ fate: "keep" });
    const movedOn = waitingParent([toolResult("call_1", "researcher", "x")]);
    expect(orphanFate(forkOfChild([]), movedOn)).toEqual({ fate: "keep" });
    expect(orphanFate(forkOfChild([]), undefined)).toEqual({ fate: "keep" });
  });

  it("keeps a child a person reopened after it ended: its parent got that end already", () => {
    const parentDone = waitingParent([
      toolResult("call_1", "researcher", "X is at 42"),
      done("call_2", "found X"),
    ]);
    const reopened = child([done("call_1", "X is at 42"), userMessage("and Y?")]);
    expect(deriveStatus(reopened.events)).toBe("running");
    expect(orphanFate(reopened, parentDone)).toEqual({ fate: "keep" });
    const retried = child([failed("boom"), userMessage("try again")]);
    expect(orphanFate(retried, parentDone)).toEqual({ fate: "keep" });
    expect(orphanFate(child([]), parentDone)).toMatchObject({ fate: "cancel" });
  });
});

describe("Function: message (to a thread waiting for a child)", () => {
  it("waits beside the thread, or is refused with reject", () => {
    const thread = waitingParent();
    expect(message(thread, { message: "also Y", ifRunning: "interrupt" }, clock)).toEqual({
      type: "enqueue",
    });
    expect(() => message(thread, { message: "also Y", ifRunning: "reject" }, clock)).toThrow(
      /waits for a child agent/,
    );
  });
});
