import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { freePort } from "../../infra/local/ports.ts";
import { startLocalStack } from "../../infra/local/stack.ts";
import { eventItem, metaItem } from "../../shared/aws/dynamo/items.ts";
import { META_SK, threadPk } from "../../shared/aws/dynamo/keys.ts";
import type { Model, ModelReply } from "../../shared/core/ports.ts";
import { percentile, type Result, round } from "./stats.ts";

const STEPS_PER_THREAD = 20; // the calculator's maxSteps: then it escalates and the thread waits

/** A scripted model that notes when each step reached it: the gaps are whole step cycles. */
class TimingModel implements Model {
  readonly times: number[] = [];
  calls = 0;
  async next(): Promise<ModelReply> {
    this.times.push(performance.now());
    const i = this.calls++;
    return { type: "tool_call", tool: "add", args: { a: i, b: 1 } };
  }
}

/**
 * `local_step_ms` on the local stack (DynamoDB Local, fauxqs, the worker behind the local event
 * source mapping): calculator threads run one after another, each step a scripted `add`; a step
 * is the time between two model calls of a thread (append, enqueue, delete, receive, load,
 * render). The I/O floor does the same calls with no logic: receive, query the thread's items,
 * the append's transaction (meta update and two event puts), send the next message, delete.
 */
export async function measureLocalStack(options: { quick: boolean }): Promise<Result[]> {
  const threads = options.quick ? 3 : 10;
  const [port, dynamoPort, sqsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const model = new TimingModel();
  const stack = await startLocalStack({
    port,
    dynamoPort,
    sqsPort,
    dataDir: null,
    model,
    visibilityTimeoutSeconds: 5,
  });
  try {
    const stepMs: number[] = [];
    for (let t = 0; t < threads + 1; t++) {
      const first = model.times.length;
      const response = await fetch(`${stack.url}/threads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "calculator", message: "Keep adding 1, starting from 0." }),
      });
      if (response.status >= 300) throw new Error(`launch: ${response.status}`);
      const deadline = Date.now() + 60_000;
      while (model.times.length < first + STEPS_PER_THREAD) {
        if (Date.now() > deadline) throw new Error("the local stack's thread stalled");
        await new Promise((done) => setTimeout(done, 20));
      }
      await new Promise((done) => setTimeout(done, 200)); // let the escalation be written
      const times = model.times.slice(first, first + STEPS_PER_THREAD);
      // The first thread warms the stack up.
      if (t > 0)
        for (let i = 1; i < times.length; i++)
          stepMs.push((times[i] as number) - (times[i - 1] as number));
    }
    const floorMs = await ioFloor(stack.sqsEndpoint, threads * (STEPS_PER_THREAD - 1));
    return [
      ...latency("twelve", "local_step_ms", stepMs),
      ...latency("io-floor", "local_step_ms", floorMs),
      ratio(stepMs, floorMs),
    ];
  } finally {
    await stack.stop();
  }
}

function latency(system: string, metric: string, samples: number[]): Result[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [50, 99].map((p) => ({
    system,
    metric: `${metric}_p${p}`,
    value: round(percentile(sorted, p), 2),
    unit: "ms",
    min: round(sorted[0] as number, 2),
    max: round(sorted.at(-1) as number, 2),
  }));
}

function ratio(stepMs: number[], floorMs: number[]): Result {
  const p50 = (samples: number[]) =>
    percentile(
      [...samples].sort((a, b) => a - b),
      50,
    );
  return {
    system: "twelve",
    metric: "local_step_ms_p50_vs_floor",
    value: round(p50(stepMs) / p50(floorMs), 2),
    unit: "×",
  };
}

/** The same I/O as a step, with no logic, `steps` times; ms per step. */
async function ioFloor(sqsEndpoint: string, steps: number): Promise<number[]> {
  const sqs = new SQSClient({ endpoint: sqsEndpoint, useQueueUrlAsEndpoint: false });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const TableName = "twelve-threads";
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: "bench-floor.fifo",
      Attributes: { FifoQueue: "true", VisibilityTimeout: "5" },
    }),
  );
  const samples: number[] = [];
  const threadLength = STEPS_PER_THREAD;
  let message = 0;
  const send = () =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({ threadId: "floor", version: message }),
        MessageGroupId: "floor",
        MessageDeduplicationId: String(message++),
      }),
    );
  const start = new Date("2026-01-01T00:00:00.000Z");
  for (let thread = 0; thread * (threadLength - 1) < steps + threadLength; thread++) {
    const pk = threadPk(`floor${thread}`);
    const at = start.toISOString();
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: metaItem({
                pk,
                threadId: `floor${thread}`,
                agent: "calculator",
                status: "running",
                version: 1,
                createdAt: at,
                updatedAt: at,
                expiresAt: 2_000_000_000,
              }),
            },
          },
          {
            Put: {
              TableName,
              Item: eventItem(pk, 0, { type: "user_message", at, data: { message: "go" } }, 2e9),
            },
          },
        ],
      }),
    );
    await send();
    let version = 1;
    for (let i = 0; i < threadLength; i++) {
      const t0 = performance.now();
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const got = received.Messages?.[0];
      if (!got) throw new Error("the floor's message did not arrive");
      await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ConsistentRead: true,
        }),
      );
      const callId = `call_${version}`;
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: { pk, sk: META_SK },
                UpdateExpression: "SET #version = #version + :count, updatedAt = :at",
                ConditionExpression: "#version = :expected",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":count": 2, ":expected": version, ":at": at },
              },
            },
            {
              Put: {
                TableName,
                Item: eventItem(
                  pk,
                  version,
                  {
                    type: "tool_call",
                    at,
                    data: { callId, tool: "add", args: { a: i, b: 1 }, source: "model" },
                  },
                  2e9,
                ),
              },
            },
            {
              Put: {
                TableName,
                Item: eventItem(
                  pk,
                  version + 1,
                  { type: "tool_result", at, data: { callId, tool: "add", result: i + 1 } },
                  2e9,
                ),
              },
            },
          ],
        }),
      );
      version += 2;
      await send();
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.ReceiptHandle }));
      // The first steps warm the clients up.
      if (thread > 0 || i > 2) samples.push(performance.now() - t0);
    }
    // Drain the last message of this thread.
    const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    for (const m of rest.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return samples.slice(0, steps);
}
