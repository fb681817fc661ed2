import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { logger } from "../../functions/logger.ts";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { sqsDeadLetterQueue } from "../../shared/aws/sqs/dead-letters.ts";
import { TwelveError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import type { Model, StepQueue } from "../../shared/core/ports.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { redriveDeadLetters } from "../../shared/runtime/redrive.ts";
import { call, invalid, ScriptedModel } from "../../shared/testing/index.ts";
import { client, publishedNotice, startTestStack } from "./local-stack.ts";

let stack: LocalStack;
let api: ReturnType<typeof client>;
let demo: Model | undefined;
let queue: StepQueue;

beforeAll(async () => {
  stack = await startTestStack();
  api = client(stack);
  demo = stack.deps.model;
  queue = stack.deps.queue;
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.deps.model = demo;
  stack.deps.queue = queue;
});

const sqsEvent = (messages: { threadId: string; version: number }[]): SQSEvent => ({
  Records: messages.map((message, i) => ({
    messageId: `dup-${i}-${Math.random()}`,
    receiptHandle: `rh-${i}`,
    body: JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: "2",
      SentTimestamp: String(Date.now()),
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: message.threadId,
      MessageDeduplicationId: `${message.threadId}:${message.version}`,
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:twelve-steps.fifo",
    awsRegion: "us-east-1",
  })),
});
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

describe("the runtime loop through the handlers (DynamoDB Local + fauxqs)", () => {
  it("launches, steps on the queue, waits for approval, and finishes once approved", async () => {
    // Act
    const launched = await api.launch("calculator", "What is (3 + 4) / 2?");
    // Assess
    expect(launched).toEqual({
      status: 202,
      body: { threadId: expect.stringMatching(/^thr_/), status: "running" },
    });
    const waiting = await api.waitFor(launched.body.threadId, "waiting_for_approval");
    expect(waiting.pending).toMatchObject({
      kind: "approval",
      tool: "divide",
      args: { a: 7, b: 2 },
    });

    const approved = await api.respond(waiting.threadId, {
      callId: waiting.pending?.callId,
      approved: true,
    });
    expect(approved).toEqual({
      status: 202,
      body: { threadId: waiting.threadId, status: "running" },
    });
    const done = await api.waitFor(waiting.threadId, "done");
    expect(done.output).toBe("(3 + 4) / 2 = 3.5");
    expect(done.events.map((e) => e.type)).toEqual([
      "user_message",
      "tool_call",
      "tool_result",
      "tool_call",
      "approval_requested",
      "approval_decision",
      "tool_result",
      "tool_call",
      "done",
    ]);
  });

  it("appends a rejection with feedback and lets the model go on", async () => {
    stack.deps.model = new ScriptedModel([
      call("divide", { a: 8, b: 2 }),
      call("multiply", { a: 8, b: 0.5 }),
      call("done_for_now", { message: "8 / 2 = 4" }),
    ]);
    const { body } = await api.launch("calculator", "8 / 2");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const rejected = await api.respond(body.threadId, {
      callId: waiting.pending?.callId,
      approved: false,
      comment: "multiply by 0.5 instead",
    });
    expect(rejected.status).toBe(202);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.events).toContainEqual(
      expect.objectContaining({
        type: "approval_decision",
        data: {
          callId: waiting.pending?.callId,
          approved: false,
          comment: "multiply by 0.5 instead",
        },
      }),
    );
    expect(done.events.filter((e) => e.type === "tool_result").map((e) => e.data.tool)).toEqual([
      "multiply",
    ]);
  });

  it("waits for human input and continues with the answer", async () => {
    const { body } = await api.launch("calculator", "add some numbers for me");
    const waiting = await api.waitFor(body.threadId, "waiting_for_human");
    expect(waiting.pending).toMatchObject({
      kind: "human_input",
      tool: "request_more_information",
    });
    await api.respond(body.threadId, { callId: waiting.pending?.callId, response: "2 + 5" });
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("2 + 5 = 7");
  });

  it("escalates to a human after 3 consecutive errors and publishes the waiting event", async () => {
    stack.deps.model = new ScriptedModel([
      invalid("text only"),
      call("sqrt", {}),
      call("add", { a: "x" }),
    ]);
    const { body } = await api.launch("calculator", "do something");
    const waiting = await api.waitFor(body.threadId, "waiting_for_human");
    expect(waiting.pending).toMatchObject({
      kind: "escalation",
      reason: "too_many_errors",
      tool: "escalation",
      args: { reason: "too_many_errors" },
    });
    expect(waiting.pending?.message).toMatch(/^Escalated after 3 consecutive errors/);
    const entry = await publishedNotice(stack, "thread.waiting", body.threadId);
    expect(entry).toMatchObject({
      source: "twelve",
      detailType: "thread.waiting",
      eventBusName: "twelve-agents",
    });
    const notice = entry?.detail;
    expect(notice).toEqual({
      id: `${body.threadId}:${waiting.pending?.callId}`,
      threadId: body.threadId,
      agent: "calculator",
      status: "waiting_for_human",
      kind: "escalation",
      reason: "too_many_errors",
      callId: waiting.pending?.callId,
      tool: "escalation",
      args: { reason: "too_many_errors" },
      message: waiting.pending?.message,
      link: `${stack.url}/threads/${body.threadId}`,
    });
  });

  it("appends nothing twice when every step message is delivered again", async () => {
    // Prepare: a finished thread
    const { body } = await api.launch("calculator", "1 + 2 * 3");
    const done = await api.waitFor(body.threadId, "done");
    const versions = Array.from({ length: done.version }, (_, i) => ({
      threadId: body.threadId,
      version: i + 1,
    }));

    // Act: redeliver every step message, twice, straight to the worker handler
    const worker = createWorkerHandler(stack.deps, logger, { maxReceives: 5 });
    const result = await worker(sqsEvent([...versions, ...versions]), context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const after = await api.get(body.threadId);
    expect(after.body.events).toEqual(done.events);
  });

  it("still completes when the enqueue after a successful write is lost (a crash)", async () => {
    // Prepare: the first enqueue of the next step fails, as if the Lambda died after the write
    let failures = 0;
    stack.deps.queue = {
      enqueue: async (message) => {
        // Version 2: the first step saved the model's first call
        if (message.version === 2 && failures === 0) {
          failures++;
          throw new Error("crash between write and enqueue");
        }
        return queue.enqueue(message);
      },
    };
    // Act
    const { body } = await api.launch("calculator", "2 * 3 + 4");
    // Assess: the unacknowledged message comes back, finds the step saved, re-sends the next one
    const done = await api.waitFor(body.threadId, "done", 20_000);
    expect(failures).toBe(1);
    expect(done.output).toBe("2 * 3 + 4 = 10");
    expect(done.events.filter((e) => e.type === "tool_result")).toHaveLength(2);
  });

  it("finishes a thread whose step message was lost, once the reconciler runs", async () => {
    // Prepare: the launch's enqueue is lost without an error (a queue purged, a restart)
    stack.deps.queue = { enqueue: async () => {} };
    const { body } = await api.launch("calculator", "3 * 3");
    stack.deps.queue = queue;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api.get(body.threadId)).body.version).toBe(1);
    // Act
    const result = await reconcile(stack.deps, { staleAfterMs: 0 });
    // Assess
    expect(result.enqueued).toBeGreaterThanOrEqual(1);
    expect((await api.waitFor(body.threadId, "done")).output).toBe("3 * 3 = 9");
  });

  it("lets exactly one of many concurrent approvals of one call win", async () => {
    const { body } = await api.launch("calculator", "9 / 3");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.respond(body.threadId, { callId: waiting.pending?.callId, approved: i % 2 === 0 }),
      ),
    );
    // An approval that wins finishes the thread; a rejection makes it ask what to compute instead.
    const after = await api.waitFor(body.threadId, ["done", "waiting_for_human"]);
    const decisions = after.events.filter((e) => e.type === "approval_decision");
    expect(decisions).toHaveLength(1);
    // The winner's decision sent again is a retry (202, recorded once); the other one is 409.
    const won = decisions[0]?.data.approved;
    answers.forEach((answer, i) => {
      expect(answer.status).toBe((i % 2 === 0) === won ? 202 : 409);
      if (answer.status === 409) expect(answer.body.error.code).toBe("not_pending");
    });
  });

  it("returns the same thread for a repeated Idempotency-Key, also under concurrency", async () => {
    const key = { "idempotency-key": `launch-${Date.now()}` };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api.launch("calculator", "5 + 5", key)),
    );
    const ids = new Set(results.map((r) => r.body.threadId));
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(ids.size).toBe(1);
    const again = await api.launch("calculator", "5 + 5", key);
    expect(again.body.threadId).toBe(results[0]?.body.threadId);
  });

  it("lists threads by status and agent", async () => {
    const { body } = await api.launch("calculator", "12 / 4");
    await api.waitFor(body.threadId, "waiting_for_approval");
    const listed = await api.request(
      "GET",
      "/threads?status=waiting_for_approval&agent=calculator&limit=100",
    );
    expect(listed.status).toBe(200);
    expect(listed.body.threads).toContainEqual({
      threadId: body.threadId,
      agent: "calculator",
      status: "waiting_for_approval",
      updatedAt: expect.any(String),
    });
    const done = await api.request("GET", "/threads?status=done&limit=100");
    expect(done.body.threads.map((t: { threadId: string }) => t.threadId)).not.toContain(
      body.threadId,
    );
  });

  it("launches from an EventBridge schedule or custom event, once per firing", async () => {
    const scheduled = {
      agent: "calculator",
      message: "6 * 7",
      schedule: "calculator-test",
      time: new Date().toISOString(),
    };
    const first = await stack.trigger(scheduled);
    const again = await stack.trigger(scheduled);
    expect(first).toMatchObject({ launched: true, created: true });
    expect(again).toEqual({ ...first, created: false });
    if (!first.launched) throw new Error("not launched");
    expect((await api.waitFor(first.threadId, "done")).output).toBe("6 * 7 = 42");

    const custom = await stack.trigger({
      version: "0",
      id: `evt-${Date.now()}`,
      "detail-type": "order.placed",
      source: "shop",
      account: "123456789012",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [],
      detail: { agent: "calculator", message: "1 + 1" },
    });
    expect(custom).toMatchObject({ launched: true, created: true });
    if (custom.launched) await api.waitFor(custom.threadId, "done");
    expect(await stack.trigger({ detail: { agent: "nope" } })).toMatchObject({ launched: false });
    expect(await stack.trigger({ agent: "nope", message: "x", schedule: "s", time: "t" })).toEqual({
      launched: false,
      error: expect.stringContaining('unknown agent "nope"'),
    });
  });
});

const userMessage = (message: string): ThreadEvent => ({
  type: "user_message",
  at: new Date().toISOString(),
  data: { message },
});

describe("poison step messages", () => {
  it("leave a thread as it is when a queued message fails on its last delivery", async () => {
    // Prepare: a running thread (its step not sent yet), and a store that fails the message's append
    const thread = {
      id: `thr_queued_${Date.now()}`,
      agent: "calculator",
      events: [userMessage("5 + 5")],
    };
    await stack.deps.store.create({ thread, head: deriveHead(thread.events) });
    const store = stack.deps.store;
    stack.deps.store = Object.assign(Object.create(store), {
      append: async (...args: Parameters<typeof store.append>) =>
        JSON.stringify(args[1]).includes("And 1 + 1?")
          ? Promise.reject(new Error("DynamoDB unavailable"))
          : store.append(...args),
    });
    const queued = { message: "And 1 + 1?", at: new Date().toISOString() };
    const body = { threadId: thread.id };
    const done = { version: 1, events: thread.events };
    const event = sqsEvent([{ threadId: body.threadId, version: done.version, queued } as never]);
    const last = event.Records.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: "5" },
    }));
    try {
      // Act
      const worker = createWorkerHandler(stack.deps, logger, { maxReceives: 5 });
      const result = await worker({ Records: last }, context);

      // Assess: reported failed (so SQS moves it to the dead-letter queue), thread untouched
      expect(result.batchItemFailures).toHaveLength(1);
    } finally {
      stack.deps.store = store;
    }
    expect((await stack.deps.store.load(body.threadId))?.events).toEqual(done.events);
  });

  it("fail the thread at once on a non-retryable error, with the reason, and are not delivered again", async () => {
    // Prepare: a running thread whose step meets an error that says a retry fails the same way
    const thread = {
      id: `thr_terminal_${Date.now()}`,
      agent: "calculator",
      events: [userMessage("6 + 6")],
    };
    await stack.deps.store.create({ thread, head: deriveHead(thread.events) });
    stack.deps.model = {
      next: async () =>
        Promise.reject(new TwelveError("the adapter cannot serve this", { retryable: false })),
    };
    const first = sqsEvent([{ threadId: thread.id, version: 1 }]).Records.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: "1" },
    }));

    // Act: its first delivery
    const worker = createWorkerHandler(stack.deps, logger, { maxReceives: 5 });
    const result = await worker({ Records: first }, context);

    // Assess: handled (SQS deletes it, no second delivery), and the thread says why it failed
    expect(result.batchItemFailures).toEqual([]);
    const failed = await stack.deps.store.load(thread.id);
    expect(failed?.events.at(-1)).toMatchObject({
      type: "failed",
      data: {
        reason:
          "step 1 failed: TwelveError: the adapter cannot serve this (not retryable, so not tried again)",
      },
    });
    expect((await api.get(thread.id)).body.status).toBe("failed");
  });

  it("mark the thread failed with the reason, land in the dead-letter queue, and redrive", async () => {
    // Prepare: a model bug that throws on every delivery (not a ModelError, so not compacted)
    stack.deps.model = { next: async () => Promise.reject(new TypeError("model adapter bug")) };
    const { body } = await api.launch("calculator", "4 + 4");

    // Act: 5 deliveries, 1 s visibility timeout each
    const failed = await api.waitFor(body.threadId, "failed", 30_000);

    // Assess
    expect(failed.events.at(-1)).toMatchObject({
      type: "failed",
      data: {
        reason: expect.stringMatching(
          /^step 1 failed on all 5 deliveries: TypeError: model adapter bug/,
        ),
      },
    });
    expect((await api.get(body.threadId)).body.failure).toMatch(/model adapter bug/);

    // Act: fix the model, then redrive the dead-lettered step
    stack.deps.model = demo;
    const sqs = new SQSClient({
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      endpoint: stack.sqsEndpoint,
      useQueueUrlAsEndpoint: false,
    });
    let counts = { retried: 0, skipped: 0, unreadable: 0 };
    const deadline = Date.now() + 10_000;
    while (counts.retried === 0 && Date.now() < deadline) {
      counts = await redriveDeadLetters({
        deadLetters: sqsDeadLetterQueue({ client: sqs, dlqUrl: stack.dlqUrl }),
        deps: stack.deps,
        log: () => {},
      });
    }

    // Assess
    expect(counts.retried).toBe(1);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("4 + 4 = 8");
    expect(done.events.map((e) => e.type)).toContain("retry_requested");
  });
});
