import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { ConfigError, TwelveError } from "../../core/errors.ts";

export interface StepQueueSpec {
  /** The base name: the queues are `<name>.fifo` and `<name>-dlq.fifo`. */
  name: string;
  /** Receives without a delete before SQS moves a message to the dead-letter queue (1-1000). */
  maxReceiveCount: number;
  /** How long a received message stays hidden (0-43200 s); at least the worker's timeout. */
  visibilityTimeoutSeconds: number;
}

export interface StepQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** Fourteen days, SQS's maximum: a dead letter waits for a person, not for a retry. */
const DLQ_RETENTION_SECONDS = "1209600";

/** Letters, digits, hyphens, underscores; 80 characters with the `-dlq.fifo` suffix. */
const QUEUE_BASE_NAME = /^[A-Za-z0-9_-]{1,71}$/;

/**
 * Creates the FIFO step queue `<name>.fifo` and its dead-letter queue `<name>-dlq.fifo`, or
 * brings existing ones to `spec` (visibility timeout, redrive after `maxReceiveCount` receives,
 * explicit deduplication ids). Safe to call on every start. For the local stack and tests: in AWS
 * the CDK app owns these queues.
 *
 * @example
 * const { queueUrl, queueArn } = await ensureStepQueues(client, {
 *   name: "twelve-steps",
 *   maxReceiveCount: 5,
 *   visibilityTimeoutSeconds: 180,
 * });
 */
export async function ensureStepQueues(
  client: SQSClient,
  spec: StepQueueSpec,
): Promise<StepQueues> {
  checkSpec(spec);
  const dlq = await ensureFifoQueue(client, `${spec.name}-dlq.fifo`, {
    MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
  });
  const queue = await ensureFifoQueue(client, `${spec.name}.fifo`, {
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: spec.maxReceiveCount,
    }),
  });
  return { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/**
 * Creates the standard queue `<name>` and its dead-letter queue `<name>-dlq`, or brings
 * existing ones to `spec`: the inbox other systems send launches and answers to (the local
 * stack's `twelve-inbox`). Safe to call on every start.
 *
 * @example
 * const inbox = await ensureInboxQueues(client, { name: "twelve-inbox", maxReceiveCount: 5, visibilityTimeoutSeconds: 60 });
 */
export async function ensureInboxQueues(
  client: SQSClient,
  spec: StepQueueSpec,
): Promise<StepQueues> {
  checkSpec(spec);
  const dlq = await ensureQueue(
    client,
    `${spec.name}-dlq`,
    {},
    {
      MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
    },
  );
  const queue = await ensureQueue(
    client,
    spec.name,
    {},
    {
      VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.maxReceiveCount,
      }),
    },
  );
  return { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/**
 * Puts a message that can never be processed on a dead-letter queue at once, with why
 * (message attribute `twelve-reason`), instead of letting it bounce until `maxReceiveCount`.
 *
 * @example
 * await sendToDeadLetters(client, dlqUrl, record.body, "unknown_agent: no agent \"x\"");
 */
export async function sendToDeadLetters(
  client: SQSClient,
  dlqUrl: string,
  body: string,
  reason: string,
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: body,
      MessageAttributes: { "twelve-reason": { DataType: "String", StringValue: reason } },
    }),
  );
}

/**
 * Receives up to `max` messages (1-10), long polling up to `waitSeconds` (0-20), with every
 * system and message attribute: what a local poller needs to build Lambda SQS events with
 * `toSqsRecord`. Pass `signal` to abandon a long poll on shutdown.
 *
 * @example
 * const messages = await receiveStepMessages(client, queueUrl, { max: 10, waitSeconds: 20 });
 * const event = { Records: messages.map((m) => toSqsRecord(m, queueArn, "us-east-1")) };
 */
export async function receiveStepMessages(
  client: SQSClient,
  queueUrl: string,
  options: { max?: number; waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<Message[]> {
  const output = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 20,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
    options.signal ? { abortSignal: options.signal } : {},
  );
  return output.Messages ?? [];
}

/**
 * Deletes a received message: the step is done (or deliberately dropped), and on a FIFO queue the
 * thread's next step becomes receivable.
 *
 * @example
 * await deleteStepMessage(client, queueUrl, message.ReceiptHandle);
 */
export async function deleteStepMessage(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
): Promise<void> {
  await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}

/**
 * Creates the queue with only the attributes fixed at creation, then sets the rest: CreateQueue
 * fails on an existing queue whose attributes differ, SetQueueAttributes converges.
 */
const ensureFifoQueue = (client: SQSClient, name: string, attributes: Record<string, string>) =>
  ensureQueue(
    client,
    name,
    { FifoQueue: "true" },
    { ContentBasedDeduplication: "false", ...attributes },
  );

async function ensureQueue(
  client: SQSClient,
  name: string,
  atCreation: Record<string, string>,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const created = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: atCreation }),
  );
  const url = created.QueueUrl;
  if (!url) throw new TwelveError(`SQS CreateQueue returned no URL for ${name}`);
  if (Object.keys(attributes).length > 0) {
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  const read = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = read.Attributes?.QueueArn;
  if (!arn) throw new TwelveError(`SQS GetQueueAttributes returned no ARN for ${name}`);
  return { url, arn };
}

function checkSpec(spec: StepQueueSpec): void {
  if (!QUEUE_BASE_NAME.test(spec.name)) {
    throw new ConfigError(
      `step queue name "${spec.name}" must be 1-71 letters, digits, hyphens or underscores (SQS allows 80 with "-dlq.fifo")`,
    );
  }
  if (
    !Number.isInteger(spec.maxReceiveCount) ||
    spec.maxReceiveCount < 1 ||
    spec.maxReceiveCount > 1000
  ) {
    throw new ConfigError(
      `maxReceiveCount must be an integer from 1 to 1000, got ${spec.maxReceiveCount}`,
    );
  }
  const visibility = spec.visibilityTimeoutSeconds;
  if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200) {
    throw new ConfigError(
      `visibilityTimeoutSeconds must be an integer from 0 to 43200, got ${visibility}`,
    );
  }
}
