import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError, ThreadBusyError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Model, ModelReply, ModelRequest, StepMessage } from "../../shared/core/ports.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { deliverQueued } from "../../shared/runtime/deliver-queued.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import {
  call,
  cancelled,
  humanInputRequested,
  MemoryThreadStore,
  steppingClock,
} from "../../shared/testing/index.ts";

/** A model that answers from `answers` in order, holding the answer to call `held` until released. */
class HeldModel implements Model {
  readonly requests: ModelRequest[] = [];
  private release: () => void = () => {};
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  /** Resolves once the held call has been made (the step is in flight). */
  readonly reached: Promise<void>;
  private reach: () => void = () => {};

  private readonly answers: ModelReply[];
  private readonly held: number;

  constructor(answers: ModelReply[], held: number) {
    this.answers = answers;
    this.held = held;
    this.reached = new Promise((resolve) => {
      this.reach = resolve;
    });
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    this.requests.push(request);
    const index = this.requests.length;
    if (index === this.held) {
      this.reach();
      await this.released;
    }
    const answer = this.answers[index - 1];
    if (!answer) throw new Error(`no answer ${index}`);
    return answer;
  }

  letGo(): void {
    this.release();
  }
}

/** A counter tool that records each run, and the agent that calls it. */
function counterAgent(options: { onRunning?: "enqueue" | "reject" | "interrupt" } = {}) {
  const runs: string[] = [];
  const count = defineTool({
    name: "count",
    description: "counts",
    input: z.object({ n: z.number() }),
    kind: "sync",
    run: ({ n }, context) => {
      runs.push(context.callId);
      return n + 1;
    },
  });
  const agent = defineAgent({
    name: "counter",
    prompt: "Count.",
    tools: [count, doneForNow],
    ...options,
  });
  return { agent, runs };
}

const types = (events: readonly ThreadEvent[]) => events.map((event) => event.type);
const context = (request: ModelRequest | undefined) => request?.messages.at(-1)?.content ?? "";

describe("Method: createRunner().message on a running thread", () => {
  it("enqueue: keeps the message for right after the step in flight, which is not disturbed", async () => {
    // Prepare: the first model call is in flight when the message arrives
    const { agent, runs } = counterAgent();
    const model = new HeldModel(
      [call("count", { n: 1 }), call("done_for_now", { message: "2, and noted" })],
      1,
    );
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [agent], model, store });
    const launched = runner.launch("counter", "count from 1");
    await model.reached;
    const threadId = await onlyThread(store);

    // Act
    const sent = runner.message(threadId, "also say hi", { ifRunning: "enqueue" });
    model.letGo();
    const [first, after] = await Promise.all([launched, sent]);

    // Assess: the step's call was saved as the model gave it, then the message, then the run
    expect(types(after.events)).toEqual([
      "user_message",
      "tool_call",
      "user_message",
      "tool_result",
      "tool_call",
      "done",
    ]);
    expect(after.events[2]).toMatchObject({ data: { message: "also say hi" } });
    expect(runs).toEqual(["call_1"]);
    expect(context(model.requests[1])).toContain("<user_message>\nalso say hi\n</user_message>");
    expect(first.status).toBe("done");
  });

  it("interrupt: drops the answer of the step in flight, and the next step sees the message", async () => {
    // Prepare
    const { agent, runs } = counterAgent();
    const model = new HeldModel(
      [call("count", { n: 1 }), call("done_for_now", { message: "stopped counting" })],
      1,
    );
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [agent], model, store });
    const launched = runner.launch("counter", "count from 1");
    await model.reached;
    const threadId = await onlyThread(store);

    // Act
    const sent = runner.message(threadId, "stop, never mind", { ifRunning: "interrupt" });
    model.letGo();
    const [, after] = await Promise.all([launched, sent]);

    // Assess: the held answer (count) is gone; nothing ran
    expect(types(after.events)).toEqual(["user_message", "user_message", "tool_call", "done"]);
    expect(after.events[2]).toMatchObject({ data: { tool: "done_for_now" } });
    expect(runs).toEqual([]);
    expect(context(model.requests[1])).toContain("stop, never mind");
  });

  it("interrupt: keeps the call and the result of a tool the interrupted step ran", async () => {
    // Prepare: step 2 runs count (saved by step 1), then its model call is held
    const { agent, runs } = counterAgent();
    const model = new HeldModel(
      [
        call("count", { n: 1 }),
        call("count", { n: 2 }), // dropped by the interrupt
        call("done_for_now", { message: "2" }),
      ],
      2,
    );
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [agent], model, store });
    const launched = runner.launch("counter", "count from 1");
    await model.reached;
    const threadId = await onlyThread(store);

    // Act
    const sent = runner.message(threadId, "that is enough", { ifRunning: "interrupt" });
    model.letGo();
    const [, after] = await Promise.all([launched, sent]);

    // Assess: count ran once, and its result is in the thread after the message
    expect(runs).toEqual(["call_1"]);
    expect(types(after.events)).toEqual([
      "user_message",
      "tool_call",
      "user_message",
      "tool_result",
      "tool_call",
      "done",
    ]);
    expect(after.events[3]).toMatchObject({ data: { callId: "call_1", result: 2 } });
    const third = context(model.requests[2]);
    expect(third).toContain("that is enough");
    expect(third).toContain("<count_result>\n2\n</count_result>");
  });

  it("reject (a request's ifRunning or the agent's onRunning): 409 thread_busy, nothing added", async () => {
    const { agent } = counterAgent({ onRunning: "reject" });
    const model = new HeldModel([call("done_for_now", { message: "ok" })], 1);
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [agent], model, store });
    const launched = runner.launch("counter", "count");
    await model.reached;
    const threadId = await onlyThread(store);
    await expect(runner.message(threadId, "hello?")).rejects.toThrow(ThreadBusyError);
    await expect(runner.message(threadId, "hello?", { ifRunning: "reject" })).rejects.toThrow(
      "(ifRunning reject)",
    );
    model.letGo();
    expect(types((await launched).events)).toEqual(["user_message", "tool_call", "done"]);
  });
});

describe("Function: defineAgent (onRunning)", () => {
  it("defaults to enqueue and refuses an unknown policy", () => {
    expect(counterAgent().agent.onRunning).toBe("enqueue");
    expect(() => counterAgent({ onRunning: "queue" as "enqueue" })).toThrow(ConfigError);
    expect(() => counterAgent({ onRunning: "queue" as "enqueue" })).toThrow(
      'onRunning must be one of enqueue, reject, interrupt, got "queue"',
    );
  });
});

describe("Function: deliverQueued", () => {
  const clock = steppingClock();
  const { agent } = counterAgent();
  const setup = async (events: ThreadEvent[] = []) => {
    const store = new MemoryThreadStore();
    const started = launch({ agent, threadId: "t", message: "count", clock });
    const thread = { ...started, events: [...started.events, ...events] };
    await store.create({ thread, head: deriveHead(thread.events) });
    const sent: StepMessage[] = [];
    const deps = { store, queue: { enqueue: async (m: StepMessage) => void sent.push(m) } };
    return { store, sent, deps };
  };
  const queued = { message: "and 3?", at: "2026-12-02T00:00:00.000Z" };

  it("adds the message once however often it is delivered, and owes the step each time", async () => {
    const { store, sent, deps } = await setup();
    const message = { threadId: "t", version: 1, queued };
    expect(await deliverQueued(deps, message)).toBe("delivered");
    expect(await deliverQueued(deps, message)).toBe("delivered");
    const thread = await store.load("t");
    expect(types(thread?.events ?? [])).toEqual(["user_message", "user_message"]);
    expect(sent).toEqual([
      { threadId: "t", version: 2 },
      { threadId: "t", version: 2 },
    ]);
  });

  it("answers a question the thread asked meanwhile, and drops a message for a closed thread", async () => {
    const asked: ThreadEvent = humanInputRequested("call_1", "Which?", {
      at: clock.now().toISOString(),
      tool: "ask",
      args: {},
    });
    const waiting = await setup([asked]);
    expect(await deliverQueued(waiting.deps, { threadId: "t", version: 1, queued })).toBe(
      "delivered",
    );
    expect((await waiting.store.load("t"))?.events.at(-1)).toMatchObject({
      type: "human_response",
      data: { callId: "call_1", response: "and 3?" },
    });

    const cancel: ThreadEvent = cancelled({ at: clock.now().toISOString() });
    const closed = await setup([cancel]);
    expect(await deliverQueued(closed.deps, { threadId: "t", version: 1, queued })).toBe("dropped");
    expect((await closed.store.load("t"))?.events).toHaveLength(2);
    expect(closed.sent).toEqual([]);
    expect(await deliverQueued(closed.deps, { threadId: "nope", version: 1, queued })).toBe(
      "not_found",
    );
  });
});

/** The id of the one thread in `store`. */
async function onlyThread(store: MemoryThreadStore): Promise<string> {
  const { threads } = await store.list({});
  expect(threads).toHaveLength(1);
  return threads[0]?.threadId ?? "";
}
