import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createThreadStore } from "../../functions/thread-store.ts";
import { sqsDeadLetterQueue } from "../../shared/aws/sqs/dead-letters.ts";
import { SqsStepQueue } from "../../shared/aws/sqs/step-queue.ts";
import { redriveDeadLetters } from "../../shared/runtime/redrive.ts";

/**
 * `npm run redrive`: retries the threads whose steps went to the dead-letter queue.
 *
 * Against the local stack (while `npm start` runs) it needs nothing. Against AWS, pass the
 * deployed names: `TABLE_NAME=… PAYLOAD_BUCKET=… STEP_QUEUE_URL=… STEP_DLQ_URL=… AWS_REGION=…
 * npm run redrive`.
 */
const local = !process.env.STEP_QUEUE_URL;
if (local) {
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${process.env.SQS_PORT ?? 9324}`,
    // fauxqs serves S3 (the payload bucket) on its SQS endpoint.
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${process.env.SQS_PORT ?? 9324}`,
  });
}
const client = new SQSClient({ useQueueUrlAsEndpoint: false });
const queueUrl = async (name: string) =>
  (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? "";

try {
  const stepQueueUrl = process.env.STEP_QUEUE_URL ?? (await queueUrl("twelve-steps.fifo"));
  const dlqUrl = process.env.STEP_DLQ_URL ?? (await queueUrl("twelve-steps-dlq.fifo"));
  const deps = {
    store: createThreadStore({
      tableName: process.env.TABLE_NAME ?? "twelve-threads",
      retentionDays: 90,
      payloadBucket: process.env.PAYLOAD_BUCKET ?? (local ? "twelve-payloads" : undefined),
      s3ForcePathStyle: local,
    }),
    queue: new SqsStepQueue({ queueUrl: stepQueueUrl, client }),
    clock: { now: () => new Date() },
  };
  const counts = await redriveDeadLetters({
    deadLetters: sqsDeadLetterQueue({ client, dlqUrl }),
    deps,
    log: (line) => console.log(line),
  });
  console.log(
    `redrive: ${counts.retried} thread(s) retried, ${counts.skipped} skipped (not failed or gone), ` +
      `${counts.unreadable} unreadable message(s) left in the dead-letter queue`,
  );
} catch (error) {
  console.error(`redrive failed: ${String(error)}${local ? " (is npm start running?)" : ""}`);
  process.exitCode = 1;
}
