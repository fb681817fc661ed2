import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { logger } from "../../functions/logger.ts";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import {
  deleteStepMessage,
  ensureStepQueues,
  receiveStepMessages,
} from "../../shared/aws/sqs/queues.ts";
import { toSqsRecord } from "../../shared/aws/sqs/sqs-event.ts";
import { SqsStepQueue } from "../../shared/aws/sqs/step-queue.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveHead, type Thread, versionOf } from "../../shared/core/thread.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { randomIds } from "../../shared/runtime/ids.ts";
import { type DynamoUsage, meterDynamo, meterSqs } from "./meter.ts";
import { benchAgent, buildThread, CountingModel } from "./twelve.ts";

const REGION = "us-east-1";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

/** One step through the worker, as the SQS event source runs it, and what it cost. */
export interface StepCost extends DynamoUsage {
  /** SQS requests: the step's receive and delete (the event source's), and its enqueue. */
  sqsRequests: number;
  /** Wall time of the worker's invocation (receive and delete left out, as Lambda bills). */
  workerMs: number;
}

export type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The calculator loop on DynamoDB Local and fauxqs with metered clients: a thread table and a
 * FIFO step queue of their own, the worker built by `createWorkerHandler` (with its thread
 * cache, or loading every thread whole), and `step(worker)` doing what the SQS event source
 * does with a batch of one: receive, invoke, delete. One thread at a time: `drain()` its last
 * step message before the next `seed`.
 *
 * @example
 * const world = await readWorld(endpoints);
 * const thread = await world.seed(100);
 * const warm = world.worker({ cache: true });
 * await world.step(warm); // loads the thread whole, then holds it
 * const cost = await world.step(warm); // reads only the meta item and the new events
 */
export async function readWorld(endpoints: { dynamoEndpoint: string; sqsEndpoint: string }) {
  const suffix = randomBytes(6).toString("hex");
  const base = new DynamoDBClient({
    region: REGION,
    credentials,
    endpoint: endpoints.dynamoEndpoint,
  });
  const tableName = `reads-${suffix}`;
  await ensureTable(base, tableName);
  const documents = DynamoDBDocumentClient.from(base);
  const dynamo = meterDynamo(documents);
  const sqsClient = new SQSClient({
    region: REGION,
    credentials,
    endpoint: endpoints.sqsEndpoint,
    useQueueUrlAsEndpoint: false,
  });
  const sqs = meterSqs(sqsClient);
  const { queueUrl, queueArn } = await ensureStepQueues(sqsClient, {
    name: `reads-${suffix}`,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
  });
  const store = new DynamoThreadStore({ tableName, client: documents });
  const model = new CountingModel();
  const deps: RuntimeDeps = {
    agents: agentMap([benchAgent]),
    store,
    queue: new SqsStepQueue({ queueUrl, client: sqsClient }),
    notifier: { threadWaiting: async () => {} },
    model,
    clock: { now: () => new Date() },
    ids: randomIds,
    threadLink: (threadId) => `http://127.0.0.1/threads/${threadId}`,
  };

  const built = new Map<number, Thread>();
  /**
   * A calculator thread of `steps` add steps, stored under a new id, its next step enqueued (not
   * metered). The queue holds one thread's step at a time: `drain()` the last one first.
   */
  const seed = async (steps: number): Promise<Thread> => {
    const template = built.get(steps) ?? (await buildThread(steps));
    built.set(steps, template);
    const thread = { ...template, id: randomIds.threadId(), events: restamped(template.events) };
    await store.create({ thread, head: deriveHead(thread.events) });
    await deps.queue.enqueue({ threadId: thread.id, version: versionOf(thread) });
    model.calls = steps;
    dynamo.take();
    sqs.take();
    return thread;
  };

  const worker = (options: { cache: boolean }): Worker =>
    createWorkerHandler(deps, logger, {
      maxReceives: 5,
      ...(options.cache ? {} : { threadCache: false }),
    });

  const step = async (run: Worker): Promise<StepCost> => {
    const [message] = await receiveStepMessages(sqsClient, queueUrl, { max: 1, waitSeconds: 5 });
    if (!message?.ReceiptHandle) throw new Error("no step message arrived");
    const before = dynamo.take();
    if (before.reads + before.writes > 0) throw new Error("DynamoDB was used between steps");
    const started = performance.now();
    const result = await run({ Records: [toSqsRecord(message, queueArn, REGION)] }, context);
    const workerMs = performance.now() - started;
    if (result.batchItemFailures.length > 0) throw new Error("the step failed");
    const usage = dynamo.take();
    await deleteStepMessage(sqsClient, queueUrl, message.ReceiptHandle);
    return { ...usage, sqsRequests: sqs.take(), workerMs };
  };

  /** Deletes the step message the last step enqueued, so the next thread's comes first. */
  const drain = async (): Promise<void> => {
    const [message] = await receiveStepMessages(sqsClient, queueUrl, { max: 1, waitSeconds: 5 });
    if (message?.ReceiptHandle) await deleteStepMessage(sqsClient, queueUrl, message.ReceiptHandle);
    sqs.take();
  };

  return { store, documents, deps, seed, worker, step, drain };
}

/** The events moved to end now, a millisecond apart, so no retention window has passed. */
function restamped(events: readonly ThreadEvent[]): ThreadEvent[] {
  const start = Date.now() - events.length;
  return events.map((event, i) => ({ ...event, at: new Date(start + i).toISOString() }));
}
