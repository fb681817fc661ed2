import {
  SendMessageCommand,
  type SendMessageCommandInput,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import type { StepMessage, StepQueue } from "../../core/ports.ts";
import {
  messageDeduplicationId,
  messageGroupId,
  stepMessageBody,
  validateStepMessage,
} from "./step-message.ts";

// The worker parses what this queue sends, so the parsing side is importable from here too.
export { InvalidStepMessageError } from "./errors.ts";
export { parseStepMessage, stepMessageSchema } from "./step-message.ts";

export interface SqsStepQueueOptions {
  /** The URL of the FIFO step queue (ends in `.fifo`). */
  queueUrl: string;
  /** A ready client (tests, shared instances). Built from `clientConfig` when omitted. */
  client?: SQSClient;
  /** Config for the client built when `client` is omitted (the SDK reads env defaults). */
  clientConfig?: SQSClientConfig;
}

/**
 * The `StepQueue` port on an SQS FIFO queue. Each thread is its own message group, so SQS keeps
 * one step per thread in flight and hands them out in order; each `(threadId, version)` is its
 * own deduplication id, so enqueuing a step twice within five minutes delivers it once. Messages
 * are validated before sending (a step the worker would reject never reaches the queue, the call
 * throws `InvalidStepMessageError`); SDK errors propagate as they are.
 *
 * @example
 * const queue = new SqsStepQueue({ queueUrl: process.env.STEP_QUEUE_URL });
 * await queue.enqueue({ threadId: thread.id, version: 3 });
 */
export class SqsStepQueue implements StepQueue {
  readonly queueUrl: string;
  /** The client it sends with (the traced worker captures it, so a send carries its trace). */
  readonly client: SQSClient;

  constructor(options: SqsStepQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async enqueue(message: StepMessage): Promise<void> {
    await this.client.send(new SendMessageCommand(sendMessageInput(this.queueUrl, message)));
  }
}

/**
 * The `SendMessage` request for a step: body `{threadId, version}`, group = thread, dedup id =
 * thread and version. Throws `InvalidStepMessageError` for a message the worker could not parse.
 *
 * @example
 * await client.send(new SendMessageCommand(sendMessageInput(queueUrl, { threadId, version })));
 */
export function sendMessageInput(queueUrl: string, message: StepMessage): SendMessageCommandInput {
  const valid = validateStepMessage(message);
  return {
    QueueUrl: queueUrl,
    MessageBody: stepMessageBody(valid),
    MessageGroupId: messageGroupId(valid.threadId),
    MessageDeduplicationId: messageDeduplicationId(valid),
  };
}
