import { describe, expect, it } from "vitest";
import {
  AnswerNotAllowedError,
  ApprovalPendingError,
  QueueFullError,
  ThreadBusyError,
  ThreadClosedError,
} from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  type IfRunning,
  ifRunningPolicies,
  MAX_QUEUED_BYTES,
  MAX_QUEUED_MESSAGES,
  message,
  withQueued,
} from "../../shared/core/message.ts";
import { deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import {
  approvalRequested,
  call,
  cancelled,
  done,
  failed,
  humanInputRequested,
  humanResponse,
  ScriptedModel,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";

describe("Function: createRunner (Method: message)", () => {
  it("opens the next turn of a done thread, whose step cap counts from it", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("done_for_now", { message: "7" }),
      (request) => {
        const context = request.messages.at(-1)?.content ?? "";
        expect(context).toContain("<user_message>\nAnd times 2?\n</user_message>");
        return call("multiply", { a: 7, b: 2 });
      },
      call("done_for_now", { message: "14" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const first = await runner.launch("calculator", "What is 3 + 4?");
    expect(first).toMatchObject({ status: "done", output: "7" });

    // Act
    const second = await runner.message(first.threadId, "And times 2?");

    // Assess
    expect(second).toMatchObject({ status: "done", output: "14" });
    expect(second.events.filter((e) => e.type === "user_message")).toHaveLength(2);
    model.assertDone();
  });

  it("answers a pending question", async () => {
    const model = new ScriptedModel([
      call("request_more_information", { message: "Which numbers?" }),
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const asked = await runner.launch("calculator", "add something");
    const done = await runner.message(asked.threadId, "1 and 2");
    expect(done).toMatchObject({ status: "done", output: "3" });
    expect(done.events.find((e) => e.type === "human_response")).toMatchObject({
      data: { callId: asked.pending?.callId, response: "1 and 2" },
    });
  });

  it("refuses a thread waiting for a decision, a cancelled one, and changes neither", async () => {
    const model = new ScriptedModel([call("divide", { a: 1, b: 2 })]);
    const runner = createRunner({ agents: [calculator], model });
    const waiting = await runner.launch("calculator", "1 / 2");
    const refused = runner.message(waiting.threadId, "hurry up");
    await expect(refused).rejects.toThrow(ApprovalPendingError);
    await expect(refused).rejects.toMatchObject({ callId: waiting.pending?.callId });
    expect((await runner.get(waiting.threadId)).events).toHaveLength(waiting.events.length);
    const cancelled = await runner.cancel(waiting.threadId);
    await expect(runner.message(waiting.threadId, "hello?")).rejects.toThrow(ThreadClosedError);
    expect((await runner.get(waiting.threadId)).events).toHaveLength(cancelled.events.length);
  });
});

describe("Class: ThreadBusyError", () => {
  it("carries the thread_busy code a running thread answers with", () => {
    expect(new ThreadBusyError("t", "busy")).toMatchObject({
      code: "thread_busy",
      retryable: false,
    });
  });
});

describe("Function: message", () => {
  const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
  const at = "2026-12-01T09:00:00.000Z";
  const running = {
    id: "t",
    agent: "calculator",
    events: [userMessage("1 + 1", { at })],
  };

  it("follows ifRunning on a running thread: queue, interrupt now, or refuse naming it", () => {
    expect(message(running, { message: "hi", ifRunning: "enqueue" }, clock)).toEqual({
      type: "enqueue",
    });
    expect(message(running, { message: "hi", ifRunning: "interrupt" }, clock)).toEqual({
      type: "append",
      event: userMessage("hi", { at: "2026-12-01T10:00:00.000Z" }),
    });
    const reject = () => message(running, { message: "hi", ifRunning: "reject" }, clock);
    expect(reject).toThrow(ThreadBusyError);
    expect(reject).toThrow("thread t is running a step (ifRunning reject)");
  });

  it("names a policy it does not know, from a caller without types", () => {
    const later = { message: "hi", ifRunning: "later" as IfRunning };
    expect(() => message(running, later, clock)).toThrow(
      new TypeError("unknown ifRunning policy later"),
    );
  });

  it("refuses a failed thread, and turns a done one into a user message at the clock's time", () => {
    const poisoned = { ...running, events: [...running.events, failed("x", { at })] };
    for (const ifRunning of ifRunningPolicies) {
      expect(() => message(poisoned, { message: "hi", ifRunning }, clock)).toThrow(
        "thread t is failed",
      );
    }
    const finished = { ...running, events: [...running.events, done("call_1", "2", { at })] };
    expect(message(finished, { message: "and 3?", ifRunning: "reject" }, clock)).toEqual({
      type: "append",
      event: userMessage("and 3?", { at: "2026-12-01T10:00:00.000Z" }),
    });
  });
});

describe("Function: withQueued", () => {
  const at = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
  const launchedEvent: ThreadEvent = userMessage("go", { at: at(0) });
  const running = (texts: string[]): Thread => ({
    id: "thr_q",
    agent: "calculator",
    events: [launchedEvent],
    queued: texts.map((text, n) => ({ message: text, at: at(n + 1) })),
  });
  const types = (events: readonly ThreadEvent[]) => events.map((event) => event.type);

  it("delivers the waiting messages after the step's events, oldest first", () => {
    const step: ThreadEvent[] = [toolCall("c1", "add", {}, { at: at(5) })];
    const all = withQueued(running(["one", "two"]), step);
    expect(all).toEqual([
      ...step,
      userMessage("one", { at: at(1) }),
      userMessage("two", { at: at(2) }),
    ]);
  });

  it("answers the question the step just asked, then reads the rest as messages", () => {
    const asked: ThreadEvent = humanInputRequested("c9", "which?", {
      at: at(5),
      tool: "ask",
      args: {},
    });
    const all = withQueued(running(["this one", "and hi"]), [asked]);
    expect(all.slice(1)).toEqual([
      humanResponse("c9", "this one", { at: at(1) }),
      userMessage("and hi", { at: at(2) }),
    ]);
    expect(deriveStatus([launchedEvent, ...all])).toBe("running");
  });

  it("never makes a message of a sender that may not answer the answer: the question stays pending", () => {
    // Prepare
    const asked: ThreadEvent = humanInputRequested("c9", "which?", {
      at: at(5),
      tool: "ask",
      args: {},
    });
    const read: Thread = {
      ...running([]),
      queued: [{ message: "not mine to answer", at: at(1), mayAnswer: false }],
    };

    // Act
    const all = withQueued(read, [asked]);

    // Assess
    expect(all.slice(1)).toEqual([userMessage("not mine to answer", { at: at(1) })]);
    expect(deriveStatus([launchedEvent, ...all])).toBe("waiting_for_human");
  });

  it("reopens a thread the step finished: the message is its next turn", () => {
    const finished: ThreadEvent = done("c1", "7", { at: at(5) });
    const all = withQueued(running(["and times 2?"]), [finished]);
    expect(types(all)).toEqual(["done", "user_message"]);
    expect(deriveStatus([launchedEvent, ...all])).toBe("running");
  });

  it("keeps the messages in the record just before a cancel or a failure", () => {
    const cancel: ThreadEvent = cancelled({ at: at(5) });
    const poisoned: ThreadEvent = failed("poison", { at: at(5) });
    const thread = running(["one", "two"]);
    for (const closing of [cancel, poisoned]) {
      const all = withQueued(thread, [closing]);
      expect(types(all)).toEqual(["user_message", "user_message", closing.type]);
      expect(all.at(-1)).toBe(closing);
      expect(deriveStatus([launchedEvent, ...all])).toBe(closing.type);
    }
  });

  it("puts the messages just before the closing event, after what the step did before it", () => {
    // Prepare: the step ran a call, then the thread was cancelled (or failed)
    const ran = [
      toolCall("c1", "add", {}, { at: at(5) }),
      toolResult("c1", "add", 7, { at: at(6) }),
    ];
    for (const closing of [cancelled({ at: at(7) }), failed("poison", { at: at(7) })]) {
      // Act
      const all = withQueued(running(["one"]), [...ran, closing]);

      // Assess
      expect(all).toEqual([...ran, userMessage("one", { at: at(1) }), closing]);
    }
  });

  it("adds nothing when no message waits", () => {
    const step: ThreadEvent[] = [cancelled({ at: at(5) })];
    expect(withQueued(running([]), step)).toEqual(step);
  });
});

describe("Function: message (ifRunning enqueue)", () => {
  const clock = { now: () => new Date("2026-01-01T00:00:00.000Z") };
  const thread = (queued: string[]): Thread => ({
    id: "thr_q",
    agent: "calculator",
    events: [userMessage("go", { at: "2026-01-01T00:00:00.000Z" })],
    queued: queued.map((text) => ({ message: text, at: "2026-01-01T00:00:00.000Z" })),
  });

  it("waits while the thread has room, and refuses with queue_full past either bound", () => {
    const enqueue = { message: "x", ifRunning: "enqueue" } as const;
    const many = Array.from({ length: MAX_QUEUED_MESSAGES }, () => "m");
    const big = ["a".repeat(MAX_QUEUED_BYTES)];
    expect(message(thread(many.slice(1)), enqueue, clock)).toEqual({ type: "enqueue" });
    expect(() => message(thread(many), enqueue, clock)).toThrow(QueueFullError);
    expect(() => message(thread(big), enqueue, clock)).toThrow(
      expect.objectContaining({ code: "queue_full", threadId: "thr_q" }),
    );
    expect(message(thread(big), { ...enqueue, ifRunning: "interrupt" }, clock)).toMatchObject({
      type: "append",
    });
  });
});

describe("Function: message (who, and what a refusal says)", () => {
  const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
  const now = "2026-12-01T10:00:00.000Z";
  const alice = { principal: "alice", via: "slack" };
  const thread = (...events: ThreadEvent[]): Thread => ({
    id: "t",
    agent: "calculator",
    events: [userMessage("1 + 1"), ...events],
  });
  const asking = thread(
    toolCall("call_2", "request_more_information", { message: "which?" }),
    humanInputRequested("call_2", "which?"),
  );

  it("signs the event with who sent the message, and leaves it unsigned when nobody is named", () => {
    // Act
    const next = message(
      thread(done("call_1", "2")),
      { message: "and 3?", ifRunning: "reject", by: alice },
      clock,
    );
    const answer = message(asking, { message: "this one", ifRunning: "reject", by: alice }, clock);
    const anonymous = message(asking, { message: "this one", ifRunning: "reject" }, clock);

    // Assess
    expect(next).toEqual({ type: "append", event: userMessage("and 3?", { at: now, by: alice }) });
    expect(answer).toEqual({
      type: "append",
      event: humanResponse("call_2", "this one", { at: now, by: alice }),
    });
    expect(anonymous).toEqual({
      type: "append",
      event: humanResponse("call_2", "this one", { at: now }),
    });
    expect(anonymous.type === "append" && anonymous.event).not.toHaveProperty("by");
  });

  it("refuses a sender that may not answer a question (mayAnswer false), naming the verb it lacks", () => {
    // Act + Assess
    expect(() =>
      message(asking, { message: "this one", ifRunning: "reject", mayAnswer: false }, clock),
    ).toThrow(
      new AnswerNotAllowedError(
        "t",
        "thread t waits for a person's answer on call call_2: answering it needs decide",
      ),
    );
    expect(() =>
      message(asking, { message: "this one", ifRunning: "enqueue", mayAnswer: false }, clock),
    ).toThrow(expect.objectContaining({ code: "forbidden", missing: { verb: "decide" } }));
    // A message that answers nothing is still that sender's to send
    expect(
      message(
        thread(done("call_1", "2")),
        { message: "and 3?", ifRunning: "reject", mayAnswer: false },
        clock,
      ),
    ).toEqual({ type: "append", event: userMessage("and 3?", { at: now }) });
  });

  it("refuses a thread waiting for a decision, naming the call and how to decide it", () => {
    // Prepare
    const waiting = thread(
      toolCall("call_1", "divide", { a: 1, b: 2 }),
      approvalRequested("call_1", "divide", { a: 1, b: 2 }),
    );

    // Act + Assess
    for (const ifRunning of ifRunningPolicies) {
      expect(() => message(waiting, { message: "hi", ifRunning }, clock)).toThrow(
        new ApprovalPendingError(
          "t",
          "call_1",
          "thread t waits for a decision on call call_1: decide it first (POST /threads/t/responses)",
        ),
      );
    }
    expect(() => message(waiting, { message: "hi", ifRunning: "enqueue" }, clock)).toThrow(
      expect.objectContaining({ callId: "call_1", code: "approval_pending" }),
    );
  });

  it("refuses a cancelled thread as closed, saying so", () => {
    expect(() =>
      message(thread(cancelled()), { message: "hi", ifRunning: "enqueue" }, clock),
    ).toThrow(new ThreadClosedError("t", "cancelled", "thread t is cancelled"));
  });

  it("refuses one message over the byte bound on a thread that holds none", () => {
    expect(() =>
      message(thread(), { message: "x".repeat(MAX_QUEUED_BYTES + 1), ifRunning: "enqueue" }, clock),
    ).toThrow(/^thread t holds 0 messages waiting/);
  });

  it("refuses to queue past the bytes a thread may hold, counted in UTF-8, and says what it holds", () => {
    // Prepare: "é" takes two bytes
    const holding = (texts: string[]): Thread => ({
      ...thread(),
      queued: texts.map((text) => ({ message: text, at: now })),
    });
    const enqueue = (text: string) => ({ message: text, ifRunning: "enqueue" as const });
    const half = "é".repeat(MAX_QUEUED_BYTES / 4);

    // Act + Assess: exactly the bound is room enough, a byte more is not
    expect(message(holding([half]), enqueue(half), clock)).toEqual({ type: "enqueue" });
    expect(() => message(holding([half]), enqueue(`${half}x`), clock)).toThrow(
      new QueueFullError(
        "t",
        `thread t holds 1 messages waiting for its step in flight (at most ${MAX_QUEUED_MESSAGES} messages, ${MAX_QUEUED_BYTES} bytes): send it once the step is saved, or with ifRunning interrupt`,
      ),
    );
  });
});

describe("Function: withQueued (a pending approval, who sent)", () => {
  const alice = { principal: "alice", via: "api" };
  const queuedBy = (): Thread => ({
    id: "thr_q",
    agent: "calculator",
    events: [userMessage("go")],
    queued: [{ message: "also staging", at: "2026-01-01T00:00:09.000Z", by: alice }],
  });
  const delivered = userMessage("also staging", { at: "2026-01-01T00:00:09.000Z", by: alice });

  it("delivers a message as a user message beside an approval the step asked for, which stays pending", () => {
    // Prepare
    const step = [
      toolCall("call_1", "deploy", { tag: "v1" }),
      approvalRequested("call_1", "deploy", { tag: "v1" }),
    ];

    // Act
    const all = withQueued(queuedBy(), step);

    // Assess
    expect(all).toEqual([...step, delivered]);
    expect(deriveStatus([userMessage("go"), ...all])).toBe("waiting_for_approval");
  });

  it("keeps who sent a message in the record of a thread the step closed", () => {
    expect(withQueued(queuedBy(), [cancelled()])).toEqual([delivered, cancelled()]);
  });
});
