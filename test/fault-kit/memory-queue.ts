import {
  messageDeduplicationId,
  messageGroupId,
  stepMessageBody,
} from "../../shared/aws/sqs/step-message.ts";
import type { StepMessage, StepQueue } from "../../shared/core/ports.ts";

/** A received message, as SQS hands it to a consumer. */
export interface ReceivedMessage<T> {
  messageId: string;
  /** Valid for this receive only: a later receive of the same message gets a new one. */
  receiptHandle: string;
  body: T;
  groupId: string;
  deduplicationId: string;
  /** 1 on the first delivery (SQS's `ApproximateReceiveCount`). */
  receiveCount: number;
  sentAt: number;
}

export interface MemoryFifoQueueOptions {
  /** Time as the queue sees it; a `VirtualClock` makes timeouts free and runs repeatable. */
  clock: { now(): Date };
  /** How long a received message stays hidden before it is delivered again. Default 30 s. */
  visibilityTimeoutMs?: number;
  /** Deliveries before the message moves to the dead-letter queue. Default 5 (as the stack). */
  maxReceiveCount?: number;
  /** A repeated deduplication id within this window is accepted and dropped. Default 5 min. */
  deduplicationWindowMs?: number;
}

interface Stored<T> {
  messageId: string;
  seq: number;
  body: T;
  groupId: string;
  deduplicationId: string;
  sentAt: number;
  receiveCount: number;
  /** The receipt handle of the latest receive, while the message is (or was last) in flight. */
  receipt?: string;
  visibleAt: number;
}

/** Counters of everything the queue did, for reports and assertions. */
export interface QueueStats {
  sent: number;
  deduplicated: number;
  received: number;
  deleted: number;
  staleDeletes: number;
  deadLettered: number;
}

/**
 * An in-memory SQS FIFO queue with the behaviour the step protocol relies on: message groups
 * (one message per group in flight, in order), deduplication ids with a window, a visibility
 * timeout after which an undeleted message comes back with its receive count raised, and a
 * dead-letter queue for messages received `maxReceiveCount` times without a delete.
 *
 * Time comes from `clock` only: nothing happens on its own, so a test drives the queue by
 * receiving, deleting and moving the clock.
 *
 * @example
 * const clock = new VirtualClock();
 * const queue = new MemoryFifoQueue<string>({ clock, visibilityTimeoutMs: 30_000 });
 * queue.send("hello", { groupId: "g", deduplicationId: "1" });
 * const [message] = queue.receive();   // hidden for 30 s
 * clock.advance(30_000);
 * queue.receive();                     // the same message, receiveCount 2
 */
export class MemoryFifoQueue<T> {
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  readonly deduplicationWindowMs: number;
  readonly deadLetters: ReceivedMessage<T>[] = [];
  readonly stats: QueueStats = {
    sent: 0,
    deduplicated: 0,
    received: 0,
    deleted: 0,
    staleDeletes: 0,
    deadLettered: 0,
  };
  private readonly clock: { now(): Date };
  private readonly messages: Stored<T>[] = [];
  /** Deduplication id -> when it was first sent. */
  private readonly seen = new Map<string, number>();
  private seq = 0;

  constructor(options: MemoryFifoQueueOptions) {
    this.clock = options.clock;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.deduplicationWindowMs = options.deduplicationWindowMs ?? 5 * 60_000;
  }

  /** Sends a message; false when its deduplication id was seen within the window (dropped). */
  send(body: T, options: { groupId: string; deduplicationId: string }): boolean {
    const now = this.now();
    const firstSent = this.seen.get(options.deduplicationId);
    if (firstSent !== undefined && now - firstSent < this.deduplicationWindowMs) {
      // SQS answers a duplicate with success and does not deliver it.
      this.stats.deduplicated++;
      return false;
    }
    this.seen.set(options.deduplicationId, now);
    this.seq++;
    this.messages.push({
      messageId: `msg-${this.seq}`,
      seq: this.seq,
      body,
      groupId: options.groupId,
      deduplicationId: options.deduplicationId,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
    });
    this.stats.sent++;
    return true;
  }

  /**
   * Up to `max` visible messages, at most one per group (the group's oldest), oldest group first.
   * A group with a message in flight gives nothing until that message is deleted or visible
   * again. A message past `maxReceiveCount` moves to the dead-letter queue instead, and its
   * group's next message is considered.
   */
  receive(max = 10): ReceivedMessage<T>[] {
    const now = this.now();
    const out: ReceivedMessage<T>[] = [];
    const blocked = new Set<string>();
    for (const message of [...this.messages]) {
      if (out.length >= max) break;
      if (blocked.has(message.groupId)) continue;
      if (message.visibleAt > now) {
        blocked.add(message.groupId); // in flight: the group waits, in order
        continue;
      }
      if (message.receiveCount >= this.maxReceiveCount) {
        this.remove(message);
        this.deadLetters.push(this.view(message));
        this.stats.deadLettered++;
        continue;
      }
      message.receiveCount++;
      message.receipt = `${message.messageId}#${message.receiveCount}`;
      message.visibleAt = now + this.visibilityTimeoutMs;
      blocked.add(message.groupId);
      out.push(this.view(message));
      this.stats.received++;
    }
    return out;
  }

  /**
   * Deletes a received message. Only the receipt handle of the latest receive works: a consumer
   * whose message was delivered again meanwhile (its visibility timeout ran out) deletes nothing,
   * as with FIFO queues in SQS. True when a message was deleted.
   */
  delete(receiptHandle: string): boolean {
    const message = this.messages.find((m) => m.receipt === receiptHandle);
    if (!message) {
      this.stats.staleDeletes++;
      return false;
    }
    this.remove(message);
    this.stats.deleted++;
    return true;
  }

  /** Makes an in-flight message visible after `timeoutMs` from now (0: at once). */
  changeVisibility(receiptHandle: string, timeoutMs: number): boolean {
    const message = this.messages.find((m) => m.receipt === receiptHandle);
    if (!message) return false;
    message.visibleAt = this.now() + timeoutMs;
    return true;
  }

  /** Moves every dead letter back to the queue with a fresh receive count (a redrive). */
  redrive(): number {
    const letters = this.deadLetters.splice(0);
    for (const letter of letters) {
      this.seq++;
      this.messages.push({
        messageId: letter.messageId,
        seq: this.seq,
        body: letter.body,
        groupId: letter.groupId,
        deduplicationId: letter.deduplicationId,
        sentAt: letter.sentAt,
        receiveCount: 0,
        visibleAt: this.now(),
      });
    }
    return letters.length;
  }

  /** When the next hidden message becomes visible (epoch ms), or undefined if none is hidden. */
  nextVisibleAt(): number | undefined {
    const now = this.now();
    const hidden = this.messages.filter((m) => m.visibleAt > now).map((m) => m.visibleAt);
    return hidden.length > 0 ? Math.min(...hidden) : undefined;
  }

  /** Messages waiting or in flight (not deleted, not dead-lettered). */
  get depth(): number {
    return this.messages.length;
  }

  /** Messages received and not yet deleted nor visible again. */
  get inFlight(): number {
    const now = this.now();
    return this.messages.filter((m) => m.receiveCount > 0 && m.visibleAt > now).length;
  }

  /** The bodies of every message still in the queue, oldest first. */
  peek(): T[] {
    return this.messages.map((m) => m.body);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private remove(message: Stored<T>): void {
    this.messages.splice(this.messages.indexOf(message), 1);
  }

  private view(message: Stored<T>): ReceivedMessage<T> {
    return {
      messageId: message.messageId,
      receiptHandle: message.receipt ?? "",
      body: message.body,
      groupId: message.groupId,
      deduplicationId: message.deduplicationId,
      receiveCount: message.receiveCount,
      sentAt: message.sentAt,
    };
  }
}

/**
 * The `StepQueue` port on a `MemoryFifoQueue`, with the SQS adapter's ids: group = thread,
 * deduplication id = `threadId:version`.
 */
export class MemoryStepQueue extends MemoryFifoQueue<StepMessage> implements StepQueue {
  async enqueue(message: StepMessage): Promise<void> {
    // The body, group and deduplication id the SQS adapter sends.
    this.send(JSON.parse(stepMessageBody(message)) as StepMessage, {
      groupId: messageGroupId(message.threadId),
      deduplicationId: messageDeduplicationId(message),
    });
  }
}
