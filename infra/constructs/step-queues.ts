import { Duration } from "aws-cdk-lib";
import {
  DeduplicationScope,
  FifoThroughputLimit,
  Queue,
  QueueEncryption,
} from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface StepQueuesProps {
  /** How long a received step stays hidden: several times the worker's timeout. */
  visibilityTimeout: Duration;
  /** Receives before a step message moves to the dead-letter queue. */
  maxReceiveCount: number;
}

/**
 * The FIFO step queue and its FIFO dead-letter queue, as `ensureStepQueues` builds them on the
 * local stack: explicit deduplication ids (`threadId:version`), message group = thread id. Both
 * are encrypted by SQS and refuse requests without TLS.
 *
 * @example
 * const steps = new StepQueues(this, "Steps", {
 *   visibilityTimeout: Duration.minutes(30),
 *   maxReceiveCount: 5,
 * });
 */
/**
 * The inbox other systems send launches and answers to (a standard queue: order does not
 * matter, each message stands alone), and its dead-letter queue, as `ensureInboxQueues` builds
 * them locally. Encrypted by SQS, TLS only.
 *
 * @example
 * const inbox = new InboxQueues(this, "Inbox", { visibilityTimeout: Duration.minutes(1), maxReceiveCount: 5 });
 */
export class InboxQueues extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StepQueuesProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

export class StepQueues extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StepQueuesProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS's maximum: a dead letter waits for a person, not for a retry.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, "Queue", {
      fifo: true,
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication are per thread, never across threads.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
