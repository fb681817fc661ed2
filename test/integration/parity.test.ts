import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { apiHandler } from "../../functions/handlers/api.ts";
import { workerHandler } from "../../functions/handlers/worker.ts";
import {
  type EventBridgeServer,
  startEventBridgeServer,
} from "../../infra/local/eventbridge-server.ts";
import { startHttpBridge } from "../../infra/local/http-bridge.ts";
import { ensureTable } from "../../shared/aws/dynamo/index.ts";
import {
  deleteStepMessage,
  ensureStepQueues,
  receiveStepMessages,
} from "../../shared/aws/sqs/queues.ts";
import { toSqsRecord } from "../../shared/aws/sqs/sqs-event.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { client, startTestStack } from "./local-stack.ts";

/**
 * One script, three hosts: a sync tool, an approval the person grants, the terminal call. Each
 * host gets its own copy (a ScriptedModel is used up by its run).
 */
const script = () =>
  new ScriptedModel([
    call("add", { a: 2, b: 3 }),
    call("divide", { a: 10, b: 2 }),
    call("done_for_now", { message: "5, then 5" }),
  ]);

const REGION = "us-east-1";
const lambdaContext = { awsRequestId: "parity", functionName: "worker" } as Context;

/** Polls `read` until the thread's status is one of `until`. */
async function waitFor(
  read: () => Promise<{
    status: string;
    events: { type: string }[];
    pending?: { callId: string } | null;
  }>,
  until: readonly string[],
) {
  for (let i = 0; i < 300; i++) {
    const thread = await read();
    if (until.includes(thread.status)) return thread;
    await sleep(50);
  }
  throw new Error(`the thread never reached ${until.join(" or ")}`);
}

describe("Parity: one script through createRunner, the Lambda handlers and twelve dev", () => {
  let bus: EventBridgeServer;
  let server: Server;
  let sqs: SQSClient;
  let queue: { queueUrl: string; queueArn: string };

  beforeAll(async () => {
    bus = await startEventBridgeServer();
    const suffix = randomBytes(6).toString("hex");
    // What the construct sets on the functions, and what the Lambda runtime sets.
    const env: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: inject("dynamoEndpoint"),
      AWS_ENDPOINT_URL_SQS: inject("sqsEndpoint"),
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      TABLE_NAME: `twelve-threads-${suffix}`,
      EVENT_BUS_NAME: "twelve-agents",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await ensureTable(new DynamoDBClient({}), env.TABLE_NAME as string);
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    queue = await ensureStepQueues(sqs, {
      name: `twelve-steps-${suffix}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 5,
    });
    vi.stubEnv("STEP_QUEUE_URL", queue.queueUrl);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await bus?.stop();
  });

  /** In process. */
  async function throughRunner(): Promise<string[]> {
    const model = script();
    const runner = createRunner({ agents: [calculator], model });
    const paused = await runner.launch("calculator", "2 + 3, then 10 / 2");
    expect(paused.status).toBe("waiting_for_approval");
    const done = await runner.respond(paused.threadId, {
      callId: paused.pending?.callId ?? "",
      approved: true,
    });
    expect(done.status).toBe("done");
    model.assertDone();
    return done.events.map((event) => event.type);
  }

  /** The Lambda handlers, as the construct's entries build them, on the emulators. */
  async function throughLambda(): Promise<string[]> {
    const model = script();
    const api = apiHandler({ agents: [calculator], model });
    const worker = workerHandler({ agents: [calculator], model });
    server = await startHttpBridge(api, 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const http = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as {
        threadId: string;
        status: string;
        events: { type: string }[];
        pending: { callId: string } | null;
      };
    };
    // The event source mapping: batches of step messages to the worker until the queue is empty.
    const drain = async () => {
      for (let idle = 0; idle < 3; ) {
        const messages = await receiveStepMessages(sqs, queue.queueUrl, { waitSeconds: 1 });
        if (messages.length === 0) {
          idle++;
          continue;
        }
        const event = { Records: messages.map((m) => toSqsRecord(m, queue.queueArn, REGION)) };
        const result = await worker(event, lambdaContext);
        expect(result.batchItemFailures).toEqual([]);
        for (const record of event.Records) {
          await deleteStepMessage(sqs, queue.queueUrl, record.receiptHandle);
        }
      }
    };
    const { threadId } = await http("POST", "/threads", {
      agent: "calculator",
      message: "2 + 3, then 10 / 2",
    });
    await drain();
    const paused = await http("GET", `/threads/${threadId}`);
    expect(paused.status).toBe("waiting_for_approval");
    await http("POST", `/threads/${threadId}/responses`, {
      callId: paused.pending?.callId,
      approved: true,
    });
    await drain();
    const done = await http("GET", `/threads/${threadId}`);
    expect(done.status).toBe("done");
    model.assertDone();
    return done.events.map((event) => event.type);
  }

  /** `twelve dev`'s stack, on the same emulators. */
  async function throughTwelveDev(): Promise<string[]> {
    const model = script();
    const stack = await startTestStack({ agents: [calculator], model });
    try {
      const api = client(stack);
      const { body } = await api.launch("calculator", "2 + 3, then 10 / 2");
      const read = async () => (await api.get(body.threadId)).body;
      const paused = await waitFor(read, ["waiting_for_approval", "failed", "done"]);
      expect(paused.status).toBe("waiting_for_approval");
      await api.respond(body.threadId, {
        callId: paused.pending?.callId,
        approved: true,
      });
      const done = await waitFor(read, ["done", "failed"]);
      expect(done.status).toBe("done");
      model.assertDone();
      return done.events.map((event) => event.type);
    } finally {
      await stack.stop();
    }
  }

  it("gives the same event types in the same order in every host", async () => {
    const runner = await throughRunner();
    const lambda = await throughLambda();
    const dev = await throughTwelveDev();

    expect(runner).toContain("tool_result");
    expect(lambda).toEqual(runner);
    expect(dev).toEqual(runner);
  }, 60_000);
});
