import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { Model, ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { DemoModel } from "../../shared/examples/agents.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

/**
 * The demo model, except that a call whose context matches a hold waits until the test lets it
 * go: the step that made it is in flight for as long as the test needs.
 */
class HoldingModel implements Model {
  private readonly inner = new DemoModel();
  private readonly holds: {
    match: (context: string) => boolean;
    reach: () => void;
    released: Promise<void>;
  }[] = [];

  /** Holds the next call whose rendered context satisfies `match`. */
  hold(match: (context: string) => boolean) {
    let reach: () => void = () => {};
    let release: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      reach = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ match, reach, released });
    return { reached, release };
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    const context = request.messages.at(-1)?.content ?? "";
    const index = this.holds.findIndex((hold) => hold.match(context));
    const hold = index === -1 ? undefined : this.holds.splice(index, 1)[0];
    if (hold) {
      hold.reach();
      await hold.released;
    }
    return this.inner.next(request);
  }
}

describe("POST /threads/{id}/messages while a step is in flight", () => {
  const model = new HoldingModel();
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack({ model });
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  const send = (threadId: string, body: unknown) =>
    api.request("POST", `/threads/${threadId}/messages`, body);

  /** Launches `message` with its first model call held; resolves once that call is made. */
  async function launchHeld(message: string, match = (c: string) => c.includes(message)) {
    const hold = model.hold(match);
    const { body } = await api.launch("calculator", message);
    await hold.reached;
    return { threadId: body.threadId as string, release: hold.release };
  }

  it("enqueue: the message waits behind the step, which is saved as it was; the next step sees it", async () => {
    // Prepare
    const { threadId, release } = await launchHeld("What is 3 + 4? (enqueue)");

    // Act
    const sent = await send(threadId, { message: "And 7 * 2?", ifRunning: "enqueue" });
    const meanwhile = await api.get(threadId);
    release();
    const done = await api.waitFor(threadId, "done");

    // Assess: nothing was added while the step ran; after it, the message, then the next step
    expect(sent).toEqual({ status: 202, body: { threadId, status: "running" } });
    expect(meanwhile.body.version).toBe(1);
    const types = done.events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(["user_message", "tool_call", "user_message", "tool_result"]);
    expect(done.events[1]?.data).toMatchObject({ tool: "add", args: { a: 3, b: 4 } });
    expect(done.events[2]?.data).toEqual({ message: "And 7 * 2?" });
    expect(done.output).toBe("7 * 2 = 14");
  });

  it("enqueue is the agent's default when the request names no policy", async () => {
    const { threadId, release } = await launchHeld("What is 1 + 1? (default)");
    const sent = await send(threadId, { message: "And 2 * 3?" });
    release();
    const done = await api.waitFor(threadId, "done");
    expect(sent.status).toBe(202);
    expect(done.output).toBe("2 * 3 = 6");
  });

  it("interrupt: the held answer is dropped and the next step answers the message", async () => {
    // Prepare
    const { threadId, release } = await launchHeld("What is 3 + 4? (interrupt)");

    // Act
    const sent = await send(threadId, { message: "Make it 5 + 5.", ifRunning: "interrupt" });
    const meanwhile = await api.get(threadId);
    release();
    const done = await api.waitFor(threadId, "done");

    // Assess: the message is saved at once; add(3, 4) never appears
    expect(sent).toEqual({ status: 202, body: { threadId, status: "running" } });
    expect(meanwhile.body.version).toBe(2);
    expect(done.events.slice(0, 3).map((e) => [e.type, e.data])).toEqual([
      ["user_message", { message: "What is 3 + 4? (interrupt)" }],
      ["user_message", { message: "Make it 5 + 5." }],
      ["tool_call", expect.objectContaining({ tool: "add", args: { a: 5, b: 5 } })],
    ]);
    expect(done.output).toBe("5 + 5 = 10");
  });

  it("interrupt: a tool the interrupted step ran is kept, its call and its result", async () => {
    // Prepare: the second model call is held, after add(2, 3) ran in the same step
    const message = "What is 2 + 3 * 4? (kept)";
    const hold = model.hold((c) => c.includes(message) && c.includes("<multiply_result>"));
    const { body } = await api.launch("calculator", message);
    const threadId = body.threadId as string;
    await hold.reached;

    // Act
    const sent = await send(threadId, { message: "Thanks, go on.", ifRunning: "interrupt" });
    hold.release();
    const done = await api.waitFor(threadId, "done");

    // Assess: multiply(3, 4) ran once and its result follows the message; the held answer
    // (add) was dropped and asked for again; the answer is whole
    expect(sent.status).toBe(202);
    const results = done.events.filter((e) => e.type === "tool_result");
    expect(results.map((e) => e.data)).toEqual([
      expect.objectContaining({ tool: "multiply", result: 12 }),
      expect.objectContaining({ tool: "add", result: 14 }),
    ]);
    const at = done.events.findIndex(
      (e) => e.type === "user_message" && e.data.message === "Thanks, go on.",
    );
    expect(done.events[at - 1]).toMatchObject({ type: "tool_call", data: { tool: "multiply" } });
    expect(done.events[at + 1]).toMatchObject({ type: "tool_result", data: { tool: "multiply" } });
    expect(done.output).toBe("2 + 3 * 4 = 14");
  });

  it("reject: 409 thread_busy and nothing changes", async () => {
    const { threadId, release } = await launchHeld("What is 9 + 9? (reject)");
    const before = await storeSnapshot(stack);
    const refused = await send(threadId, { message: "hello?", ifRunning: "reject" });
    expect([refused.status, refused.body.error.code]).toEqual([409, "thread_busy"]);
    expect(refused.body.error.message).toContain("ifRunning reject");
    expect(await storeSnapshot(stack)).toEqual(before);
    release();
    expect((await api.waitFor(threadId, "done")).output).toBe("9 + 9 = 18");
  });

  it("40 interrupts and 10 queued messages at once: no 5xx, each accepted message in the thread once", async () => {
    // Prepare
    const { threadId, release } = await launchHeld("What is 1 + 2? (crowd)");
    const texts = Array.from({ length: 50 }, (_, n) => `Note ${n} (crowd).`);

    // Act: every message races every other for the thread's next version
    const answers = await Promise.all(
      texts.map((message, n) =>
        send(threadId, { message, ifRunning: n % 5 === 4 ? "enqueue" : "interrupt" }),
      ),
    );
    release();
    const done = await api.waitFor(threadId, "done", 60_000);

    // Assess: a lost race is a 409 the client may send again, never a 500; what was accepted
    // is there exactly once, what was refused is not there
    const said = done.events.flatMap((e) =>
      e.type === "user_message" ? [e.data.message as string] : [],
    );
    const refused = answers.filter((answer) => answer.status !== 202);
    for (const answer of refused) {
      expect([answer.status, answer.body.error.code]).toEqual([409, "version_conflict"]);
    }
    texts.forEach((text, n) => {
      const times = said.filter((message) => message === text).length;
      expect([text, times]).toEqual([text, answers[n]?.status === 202 ? 1 : 0]);
    });
    expect(refused.length).toBeLessThan(texts.length / 2);
    console.info(`50 concurrent messages: ${refused.length} answered 409 version_conflict`);
  });

  it("records who did what: by.principal and by.via on launches, messages, decisions, cancels, forks", async () => {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    await api.respond(body.threadId, { callId: waiting.pending?.callId, approved: true });
    await api.waitFor(body.threadId, "done");
    await send(body.threadId, { message: "And 1 + 1?" });
    await api.waitFor(body.threadId, "done");
    const forked = await api.request("POST", `/threads/${body.threadId}/fork`, { version: 1 });
    const { body: final } = await api.get(body.threadId);
    const by = { principal: "anonymous", via: "api" };
    const caused = final.events.filter((e: { by?: unknown }) => e.by);
    expect(caused.map((e: { type: string }) => e.type)).toEqual([
      "user_message",
      "approval_decision",
      "user_message",
    ]);
    for (const event of caused) expect(event.by).toEqual(by);
    expect(forked.body.forkedFrom).toEqual({ threadId: body.threadId, version: 1, by });
    const reducerEvents = final.events.filter((e: { type: string }) => e.type === "tool_call");
    for (const event of reducerEvents) expect(event.by).toBeUndefined();
    await api.request("POST", `/threads/${forked.body.threadId}/cancel`);
    const { body: cancelled } = await api.get(forked.body.threadId);
    expect(cancelled.events.at(-1)).toMatchObject({ type: "cancelled", by });
  });
});

describe("who did what, with named keys (AGENT_API_KEYS)", () => {
  const keys = { alice: "alice-key-0123456789", "ci-bot": "ci-bot-key-0123456789" };
  // May message, not decide: its messages never answer a question
  const chatter = { key: "chatter-key-0123456789", can: ["read" as const, "message" as const] };
  const model = new HoldingModel();
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({ apiKeys: { ...keys, chatter }, model });
  });
  afterAll(() => stack?.stop());

  it("records each key's name as the principal of what its requests cause", async () => {
    // Prepare
    const alice = client(stack, keys.alice);
    const bot = client(stack, keys["ci-bot"]);

    // Act: the bot launches, alice approves, the bot cancels a fork
    const { body } = await bot.launch("calculator", "What is 6 / 3?");
    const waiting = await bot.waitFor(body.threadId, "waiting_for_approval");
    await alice.respond(body.threadId, { callId: waiting.pending?.callId, approved: true });
    const done = await alice.waitFor(body.threadId, "done");
    const unknown = await client(stack, "not-a-key-0123456789").get(body.threadId);

    // Assess
    expect(done.events[0]?.by).toEqual({ principal: "ci-bot", via: "api" });
    const decision = done.events.find((e) => e.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: "alice", via: "api" });
    expect(unknown.status).toBe(401);
  });

  it("keeps a message queued by a key that may not decide as a message when the step asks: the question stays open", async () => {
    // Prepare: a launch the calculator answers with a question, its step held in flight
    const bot = client(stack, keys["ci-bot"]);
    const hold = model.hold((context) => context.includes("Hello there (held)"));
    const threadId = (await bot.launch("calculator", "Hello there (held)")).body.threadId as string;
    await hold.reached;

    // Act
    const sent = await client(stack, chatter.key).request("POST", `/threads/${threadId}/messages`, {
      message: "What is 2 + 2?",
      ifRunning: "enqueue",
    });
    hold.release();
    const asked = await bot.waitFor(threadId, "waiting_for_human");

    // Assess: delivered with the step's events, after the question, which it did not answer
    expect(sent.status).toBe(202);
    expect(asked.events.map((e) => e.type).slice(-2)).toEqual([
      "human_input_requested",
      "user_message",
    ]);
    expect(asked.events.at(-1)).toMatchObject({
      data: { message: "What is 2 + 2?" },
      by: { principal: "chatter", via: "api" },
    });
    expect(asked.pending).toMatchObject({ kind: "human_input" });
  });
});
