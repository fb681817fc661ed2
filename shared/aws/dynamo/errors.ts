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

registerErrorNames({ CorruptThreadError, TooManyEventsError });
