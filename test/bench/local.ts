import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { startLocalStack } from "../../infra/local/stack.ts";
import { DynamoThreadStore } from "../../shared/aws/dynamo/dynamo-thread-store.ts";
import { appendTransactItems } from "../../shared/aws/dynamo/items.ts";
import { threadPk } from "../../shared/aws/dynamo/keys.ts";
import type { Model, ModelReply } from "../../shared/core/ports.ts";
import { agents } from "../../shared/examples/agents.ts";
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
 * source mapping): calculator threads, each step a scripted `add`; a step is the time between two
 * model calls of a thread (append, enqueue, delete, receive, load, render). The I/O floor does the
 * same calls with no logic: receive, query the thread's items, the append's transaction (built by
 * the store's own `appendTransactItems`: the conditional meta update with its index keys and two
 * conditional event puts), send the next message, delete. Twelve's threads and the floor's take
 * turns, so both meet the emulators in the same state; the first round of each warms up.
 */
export async function measureLocalStack(options: { quick: boolean }): Promise<Result[]> {
  const rounds = options.quick ? 8 : 20;
  const model = new TimingModel();
  const stack = await startLocalStack({
    agents,
    // Every server on a port the OS picks (DynamoDB Local and fauxqs too: the stack starts them).
    port: 0,
    dynamoPort: 0,
    sqsPort: 0,
    dataDir: null,
    model,
    visibilityTimeoutSeconds: 5,
  });
  try {
    const floor = await ioFloor(stack.sqsEndpoint, stack.dynamoEndpoint);
    const stepMs: number[] = [];
    const floorMs: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const twelve = await twelveThread(stack.url, model);
      const io = await floor.thread(round);
      if (round > 0) {
        stepMs.push(...twelve);
        floorMs.push(...io);
      }
    }
    return [
      ...latency("twelve", "local_step_ms", stepMs),
      ...latency("io-floor", "local_step_ms", floorMs),
      ratio(stepMs, floorMs),
    ];
  } finally {
    await stack.stop();
  }
}

/** Launches a calculator thread and waits for its steps; the gaps between its model calls. */
async function twelveThread(url: string, model: TimingModel): Promise<number[]> {
  const first = model.times.length;
  const response = await fetch(`${url}/threads`, {
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
  return times.slice(1).map((time, i) => time - (times[i] as number));
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

/**
 * The same I/O as a step, with no logic: `thread(n)` writes a thread like a launch, then runs
 * STEPS_PER_THREAD - 1 steps of it; ms per step.
 */
async function ioFloor(sqsEndpoint: string, dynamoEndpoint: string) {
  // The emulators' endpoints, as the local stack's own clients reach them.
  const local = {
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
  const sqs = new SQSClient({ ...local, endpoint: sqsEndpoint, useQueueUrlAsEndpoint: false });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...local, endpoint: dynamoEndpoint }),
  );
  const TableName = "twelve-threads";
  const store = new DynamoThreadStore({ tableName: TableName, client: db });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: "bench-floor.fifo",
      Attributes: { FifoQueue: "true", VisibilityTimeout: "5" },
    }),
  );
  let message = 0;
  const send = (threadId: string, version: number) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({ threadId, version }),
        MessageGroupId: threadId,
        MessageDeduplicationId: String(message++),
      }),
    );
  const thread = async (n: number): Promise<number[]> => {
    const threadId = `floor${n}`;
    const pk = threadPk(threadId);
    // Written the way a launch writes it (not measured).
    const launchedAt = new Date().toISOString();
    await store.create({
      thread: {
        id: threadId,
        agent: "calculator",
        events: [{ type: "user_message", at: launchedAt, data: { message: "go" } }],
      },
      head: { status: "running", updatedAt: launchedAt },
    });
    await send(threadId, 1);
    const samples: number[] = [];
    let version = 1;
    for (let i = 0; i < STEPS_PER_THREAD - 1; i++) {
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
      // A new updatedAt each step, as the worker's clock gives: the index keys move every append.
      const stepAt = new Date().toISOString();
      await db.send(
        new TransactWriteCommand({
          TransactItems: appendTransactItems({
            tableName: TableName,
            threadId,
            agent: "calculator",
            expected: version,
            events: [
              {
                type: "tool_call",
                at: stepAt,
                data: { callId, tool: "add", args: { a: i, b: 1 }, source: "model" },
              },
              { type: "tool_result", at: stepAt, data: { callId, tool: "add", result: i + 1 } },
            ],
            head: { status: "running", updatedAt: stepAt },
            expiresAt: 2e9,
          }),
        }),
      );
      version += 2;
      await send(threadId, version);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.ReceiptHandle }));
      samples.push(performance.now() - t0);
    }
    // Drain the thread's last message.
    const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    for (const m of rest.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    return samples;
  };
  return { thread };
}
