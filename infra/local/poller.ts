import { setTimeout as sleep } from "node:timers/promises";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { deleteStepMessage, receiveStepMessages } from "../../shared/aws/sqs/queues.ts";
import { toSqsRecord } from "../../shared/aws/sqs/sqs-event.ts";

type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  worker: Worker;
  /**
   * Concurrent worker invocations, like concurrent Lambda invocations of the event source mapping;
   * their receives take turns.
   */
  concurrency: number;
  log: (line: string) => void;
}

/**
 * The local event source mapping: long-polls the step queue, invokes the worker with real SQS
 * event shapes, and deletes what the worker did not report as failed. Failed messages come back
 * after the visibility timeout and, past `maxReceiveCount`, go to the dead-letter queue.
 */
export function startPoller(options: PollerOptions) {
  let running = true;
  // One receive at a time, the loops taking turns: fauxqs answers every waiting receive when any
  // message is sent, even one it cannot hand out yet (its group has a message in flight), so
  // concurrent long polls would all come back empty and poll again on every send.
  let polling: Promise<unknown> = Promise.resolve();
  // A turn that comes after stop() receives nothing, so stopping waits for one poll, not four.
  const receive = () => {
    const received = polling.then(() =>
      running
        ? receiveStepMessages(options.client, options.queueUrl, { max: 10, waitSeconds: 1 })
        : [],
    );
    polling = received.catch(() => {});
    return received;
  };
  const loop = async (index: number) => {
    while (running) {
      try {
        const messages = await receive();
        if (messages.length === 0 || !running) continue;
        const event: SQSEvent = {
          Records: messages.map((message) =>
            toSqsRecord(message, options.queueArn, options.region),
          ),
        };
        const result = await options.worker(event, lambdaContext(index));
        const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
        await Promise.all(
          event.Records.filter((record) => !failed.has(record.messageId)).map((record) =>
            deleteStepMessage(options.client, options.queueUrl, record.receiptHandle),
          ),
        );
      } catch (error) {
        if (running) options.log(`poller: ${String(error)}`);
        await sleep(250);
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, (_, index) => loop(index));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function lambdaContext(index: number): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "twelve-worker-local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:twelve-worker-local",
    memoryLimitInMB: "1024",
    awsRequestId: `local-${index}-${Date.now()}`,
    logGroupName: "local",
    logStreamName: `local-${index}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
