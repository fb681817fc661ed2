import { registerErrorNames, TwelveError } from "../../core/errors.ts";

/**
 * A stored item of a thread does not read back as what the store wrote (a hand edit, a bug, a
 * missing event). Loading such a thread fails loudly instead of returning a thread with holes.
 *
 * @example
 * await expect(store.load(id)).rejects.toThrow(CorruptThreadError);
 */
export class CorruptThreadError extends TwelveError {
  readonly threadId: string;
  /** The sort key of the offending item, for example `EVT#0000000003` or `META`. */
  readonly sk: string;
  constructor(threadId: string, sk: string, reason: string, options?: { cause?: unknown }) {
    super(`thread ${threadId} has a corrupt item ${sk}: ${reason}`, {
      ...options,
      code: "corrupt_thread",
    });
    this.threadId = threadId;
    this.sk = sk;
  }
}

/**
 * More events than one DynamoDB transaction (100 items) can write at once.
 *
 * @example
 * new TooManyEventsError("append", 120, 99); // "append of 120 events exceeds the limit of 99 ..."
 */
export class TooManyEventsError extends TwelveError {
  readonly count: number;
  readonly limit: number;
  constructor(operation: "create" | "append", count: number, limit: number) {
    super(
      `${operation} of ${count} events exceeds the limit of ${limit} events per ${operation} ` +
        "(one DynamoDB transaction holds at most 100 items)",
      { code: "too_many_events" },
    );
    this.count = count;
    this.limit = limit;
  }
}

/**
 * An event whose item would pass DynamoDB's 400 KB item limit, in a store with no payload bucket
 * to put its data in. Thrown before anything is written: the thread stays as it was.
 *
 * @example
 * new EventTooLargeError("thr_1", 3, "tool_result", 1_048_700, 409_600);
 */
export class EventTooLargeError extends TwelveError {
  readonly threadId: string;
  /** The event's 0-based index in its thread. */
  readonly index: number;
  readonly bytes: number;
  readonly limit: number;
  constructor(threadId: string, index: number, type: string, bytes: number, limit: number) {
    super(
      `event ${index + 1} (${type}) of thread ${threadId} takes ${bytes} bytes, over the ` +
        `${limit} bytes a DynamoDB item holds: configure a payload bucket (PAYLOAD_BUCKET, ` +
        "DynamoThreadStoreOptions.payloads) to store large event data in S3",
      { code: "event_too_large" },
    );
    this.threadId = threadId;
    this.index = index;
    this.bytes = bytes;
    this.limit = limit;
  }
}

registerErrorNames({ CorruptThreadError, TooManyEventsError, EventTooLargeError });
