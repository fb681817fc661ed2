import { setTimeout as sleep } from "node:timers/promises";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { describe, expect, inject, it } from "vitest";
import { startPoller } from "../../infra/local/poller.ts";
import { ensureStepQueues } from "../../shared/aws/sqs/queues.ts";

const client = new SQSClient({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: inject("sqsEndpoint"),
});

describe("the local poller (fauxqs)", () => {
  it("runs the worker concurrently while its receives take turns, deletes what it handled, and stops", async () => {
    const { queueUrl, queueArn } = await ensureStepQueues(client, {
      name: `poller-${Date.now()}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30,
    });
    const handled: string[] = [];
    let running = 0;
    let most = 0;
    const worker = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      running++;
      most = Math.max(most, running);
      await sleep(300);
      handled.push(...event.Records.map((record) => record.body));
      running--;
      return { batchItemFailures: [] };
    };
    const poller = startPoller({
      client,
      queueUrl,
      queueArn,
      region: "us-east-1",
      worker,
      concurrency: 3,
      log: () => {},
    });
    for (const group of ["a", "b", "c"]) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: group,
          MessageGroupId: group,
          MessageDeduplicationId: group,
        }),
      );
      await sleep(60);
    }
    while (handled.length < 3) await sleep(20);
    await poller.stop();
    expect(handled.sort()).toEqual(["a", "b", "c"]);
    expect(most).toBeGreaterThan(1);
    const left = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 0,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(left.Messages ?? []).toEqual([]);
  });
});
