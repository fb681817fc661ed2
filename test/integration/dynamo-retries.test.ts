import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { DYNAMO_RETRY } from "../../shared/aws/dynamo/retries.ts";
import { isInfrastructureError } from "../../shared/aws/infrastructure-errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { deriveStatus } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "../contract/writes.ts";
import { type DynamoFaultProxy, startDynamoFaultProxy } from "../fault-kit/dynamo-fault-proxy.ts";

// DynamoDB pushing back, injected at the wire: a proxy in front of DynamoDB Local answers chosen
// requests with DynamoDB's own error bodies. The store under test builds its own client (its
// production retry policy); a second store reads the table directly, past the proxy.

const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};
const direct = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
const logger = new Logger({ serviceName: "retries-test", logLevel: "SILENT" });
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

let proxy: DynamoFaultProxy;
beforeAll(async () => {
  proxy = await startDynamoFaultProxy(inject("dynamoEndpoint"));
});
afterAll(() => proxy.stop());
beforeEach(() => proxy.reset());

/** A store through the proxy, with the client it builds itself, and one past it. */
async function stores() {
  const tableName = `retries-${randomUUID()}`;
  await ensureTable(direct, tableName);
  const options = { tableName, retentionDays: 36_500 };
  return {
    store: new DynamoThreadStore({
      ...options,
      clientConfig: { ...local, endpoint: proxy.endpoint },
    }),
    truth: new DynamoThreadStore({ ...options, client: DynamoDBDocumentClient.from(direct) }),
  };
}

const launched = () =>
  launch({
    agent: calculator,
    threadId: randomUUID(),
    message: "what is 3 + 4?",
    clock: steppingClock(),
  });
const round = (n: number): ThreadEvent[] => [
  {
    type: "tool_call",
    at: "2026-01-01T00:01:00.000Z",
    data: { callId: `call_${n}`, tool: "add", args: { a: n, b: 1 }, source: "model" },
  },
  {
    type: "tool_result",
    at: "2026-01-01T00:01:01.000Z",
    data: { callId: `call_${n}`, tool: "add", result: n + 1 },
  },
];
const operations = (name: string) => proxy.seen().filter((r) => r.operation === name);

describe("DynamoDB throttling and conflicts, injected at the wire", () => {
  it("appends through three TransactionConflict cancellations, and the thread is whole", async () => {
    // Prepare
    const { store, truth } = await stores();
    const { thread } = await createThread(store, launched());
    proxy.reset();
    proxy.inject({ operation: "TransactWriteItems", fault: "transactionConflict", times: 3 });

    // Act
    const appended = await appendEvents(store, thread, round(1));

    // Assess: 3 cancelled, the 4th written; read past the proxy
    expect(operations("TransactWriteItems").map((r) => r.fault ?? "forwarded")).toEqual([
      "transactionConflict",
      "transactionConflict",
      "transactionConflict",
      "forwarded",
    ]);
    expect(await truth.load(thread.id)).toEqual(appended);
    expect(appended.events).toHaveLength(3);
  });

  it("creates through a throttled transaction item (ThrottlingError among the cancellation reasons)", async () => {
    // Prepare
    const { store, truth } = await stores();
    proxy.inject({ operation: "TransactWriteItems", fault: "transactionThrottled", times: 2 });
    const thread = launched();

    // Act
    const result = await createThread(store, thread, "launch-key");

    // Assess
    expect(result.created).toBe(true);
    expect(operations("TransactWriteItems")).toHaveLength(3);
    expect(await truth.load(thread.id)).toEqual(thread);
  });

  it.each([
    ["TransactWriteItems", "throughput", "append"],
    ["Query", "throttling", "load"],
    ["GetItem", "requestLimit", "readEvents"],
  ] as const)(
    "retries %s answered with %s (%s) with backoff, and succeeds",
    async (operation, fault, use) => {
      // Prepare
      const { store, truth } = await stores();
      const { thread } = await createThread(store, launched());
      const appended = await appendEvents(store, thread, round(1));
      proxy.reset();
      proxy.inject({ operation, fault, times: 3 });

      // Act
      const result =
        use === "append"
          ? (await appendEvents(store, appended, round(2))).events
          : use === "load"
            ? (await store.load(thread.id))?.events
            : (await store.readEvents(thread.id, { after: 0, limit: 10 }))?.events;

      // Assess: three faults, then forwarded; what was read or written is the thread
      expect(operations(operation).map((r) => r.fault ?? "forwarded")).toEqual([
        fault,
        fault,
        fault,
        "forwarded",
      ]);
      const stored = await truth.load(thread.id);
      expect(result).toEqual(stored?.events);
      expect(stored?.events).toHaveLength(use === "append" ? 5 : 3);
    },
  );

  it("surfaces a persistent throttle as DynamoDB's error after the policy's attempts, writing nothing", async () => {
    // Prepare
    const { store, truth } = await stores();
    const { thread } = await createThread(store, launched());
    proxy.reset();
    proxy.inject({ operation: "TransactWriteItems", fault: "throughput" });

    // Act
    const error = await appendEvents(store, thread, round(1)).then(
      () => expect.fail("expected the throttle to surface"),
      (e: unknown) => e as Error & { $metadata: { attempts: number; totalRetryDelay: number } },
    );

    // Assess
    expect(error.name).toBe("ProvisionedThroughputExceededException");
    expect(error.message).toMatch(/provisioned throughput for the table was exceeded/);
    expect(error.$metadata.attempts).toBe(DYNAMO_RETRY.maxAttempts);
    // Four backoffs, each below 1 s, 2 s, 4 s and 8 s (full jitter on the SDK's throttling base).
    expect(error.$metadata.totalRetryDelay).toBeLessThanOrEqual(15_000);
    expect(operations("TransactWriteItems")).toHaveLength(DYNAMO_RETRY.maxAttempts);
    expect(isInfrastructureError(error)).toBe(true);
    expect(await truth.load(thread.id)).toEqual(thread);
  });

  it("surfaces conflicts that never end after the store's own attempts", async () => {
    // Prepare
    const { store, truth } = await stores();
    const { thread } = await createThread(store, launched());
    proxy.reset();
    proxy.inject({ operation: "TransactWriteItems", fault: "transactionConflict" });

    // Act
    const error = await appendEvents(store, thread, round(1)).then(
      () => expect.fail("expected the conflict to surface"),
      (e: unknown) => e as Error,
    );

    // Assess: 6 transactions, each answered once (the SDK does not retry a cancellation)
    expect(error.name).toBe("TransactionCanceledException");
    expect(operations("TransactWriteItems")).toHaveLength(6);
    expect(isInfrastructureError(error)).toBe(true);
    expect(await truth.load(thread.id)).toEqual(thread);
  });

  describe("in the worker", () => {
    /** A worker over the store through the proxy, and the SQS event of one step message. */
    async function workerFor(store: DynamoThreadStore, model: ScriptedModel) {
      const sent: StepMessage[] = [];
      const deps: RuntimeDeps = {
        agents: new Map([[calculator.name, calculator]]),
        store,
        queue: { enqueue: async (message) => void sent.push(message) },
        notifier: { threadWaiting: async () => {} },
        model,
        clock: steppingClock("2026-01-01T00:05:00.000Z"),
        ids: { threadId: () => randomUUID() },
        threadLink: (id) => `https://twelve.example/threads/${id}`,
      };
      return createWorkerHandler(deps, logger, { maxReceives: 5, threadCache: false });
    }
    const delivery = (message: StepMessage, receives: number): SQSEvent => ({
      Records: [
        {
          messageId: randomUUID(),
          receiptHandle: "rh",
          body: JSON.stringify(message),
          attributes: {
            ApproximateReceiveCount: String(receives),
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
        },
      ],
    });

    it("steps through injected throttles as if nothing happened", async () => {
      // Prepare
      const { store, truth } = await stores();
      const thread = launched();
      await createThread(truth, thread);
      const worker = await workerFor(store, new ScriptedModel([call("add", { a: 3, b: 4 })]));
      proxy.inject({ operation: "Query", fault: "throttling", times: 1 });
      proxy.inject({ operation: "TransactWriteItems", fault: "throughput", times: 2 });

      // Act
      const result = await worker(delivery({ threadId: thread.id, version: 1 }, 1), context);

      // Assess: the model's call recorded (the tool runs in the next step, enqueued)
      expect(result.batchItemFailures).toEqual([]);
      const stored = await truth.load(thread.id);
      expect(stored?.events.map((e) => e.type)).toEqual(["user_message", "tool_call"]);
      expect(stored?.events[1]).toMatchObject({ data: { tool: "add", args: { a: 3, b: 4 } } });
    });

    it("hands a step that stays throttled back to SQS, on its last delivery too, and never fails the thread", async () => {
      // Prepare
      const { store, truth } = await stores();
      const thread = launched();
      await createThread(truth, thread);
      const model = new ScriptedModel(Array.from({ length: 2 }, () => call("add", { a: 3, b: 4 })));
      const worker = await workerFor(store, model);
      // Every append of the step's tool call is throttled; anything else (a `failed`) would pass.
      proxy.inject({
        operation: "TransactWriteItems",
        fault: "throughput",
        bodyIncludes: "tool_call",
      });

      // Act: the first delivery, and the last the queue allows
      const first = await worker(delivery({ threadId: thread.id, version: 1 }, 1), context);
      const last = await worker(delivery({ threadId: thread.id, version: 1 }, 5), context);

      // Assess: both reported failed (SQS delivers again, then dead-letters); the thread as it was
      expect(first.batchItemFailures).toHaveLength(1);
      expect(last.batchItemFailures).toHaveLength(1);
      const stored = await truth.load(thread.id);
      expect(stored).toEqual(thread);
      expect(stored && deriveStatus(stored.events)).toBe("running");
    }, 60_000); // two deliveries, each through the SDK's full throttle backoff (~8 s, more on a busy machine)
  });
});
