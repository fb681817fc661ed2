import {
  IdempotencyKeyReusedError,
  InvalidCursorError,
  VersionConflictError,
} from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import type {
  CreateThreadInput,
  EventsPage,
  EventsQuery,
  ListThreadsQuery,
  ThreadStore,
  ThreadSummary,
} from "../core/ports.ts";
import { type Thread, type ThreadHead, versionOf, type WaitingMessage } from "../core/thread.ts";

interface Stored {
  thread: Thread;
  head: ThreadHead;
  idempotencyKey?: string;
}

/** What an idempotency key holds: the thread it created and the request's fingerprint. */
interface KeyEntry {
  threadId: string;
  fingerprint?: string;
}

/** A listing's place: which listing it belongs to, and the sort key of the last thread shown. */
interface Cursor {
  listing: string;
  after: string;
}

/**
 * A `ThreadStore` in memory, with the same contract as the DynamoDB one (both pass one contract
 * suite); for tests and demos. Like the DynamoDB store it keeps the head each write hands it and
 * lists from those heads, newest first, with opaque cursors bound to their listing.
 *
 * @example
 * const store = new MemoryThreadStore();
 * await store.create({ thread, head: deriveHead(thread.events) });
 */
export class MemoryThreadStore implements ThreadStore {
  private readonly threads = new Map<string, Stored>();
  private readonly byIdempotencyKey = new Map<string, KeyEntry>();

  async create({ thread, head, idempotencyKey, fingerprint }: CreateThreadInput) {
    const entry = idempotencyKey ? this.byIdempotencyKey.get(idempotencyKey) : undefined;
    const first = entry === undefined ? undefined : this.threads.get(entry.threadId);
    if (idempotencyKey && entry && first) {
      const matches =
        entry.fingerprint === undefined ||
        fingerprint === undefined ||
        entry.fingerprint === fingerprint;
      if (!matches) throw new IdempotencyKeyReusedError(idempotencyKey);
      return { thread: first.thread, created: false };
    }
    if (this.threads.has(thread.id)) throw new VersionConflictError(thread.id, 0);
    this.threads.set(thread.id, { thread, head, ...(idempotencyKey ? { idempotencyKey } : {}) });
    if (idempotencyKey) {
      this.byIdempotencyKey.set(idempotencyKey, {
        threadId: thread.id,
        ...(fingerprint === undefined ? {} : { fingerprint }),
      });
    }
    return { thread, created: true };
  }

  async readEvents(
    threadId: string,
    { after, limit }: EventsQuery,
  ): Promise<EventsPage | undefined> {
    const stored = this.threads.get(threadId);
    if (!stored) return undefined;
    const { events, queued } = stored.thread;
    return {
      events: events.slice(after, after + limit),
      version: events.length,
      ...(queued ? { queued } : {}),
    };
  }

  async delete(threadId: string) {
    const stored = this.threads.get(threadId);
    if (!stored) return false;
    this.threads.delete(threadId);
    if (stored.idempotencyKey) this.byIdempotencyKey.delete(stored.idempotencyKey);
    return true;
  }

  async load(threadId: string) {
    return this.threads.get(threadId)?.thread;
  }

  async append(read: Thread, events: readonly ThreadEvent[], head: ThreadHead) {
    if (events.length === 0) return read;
    const stored = this.current(read);
    // The messages `read` held were delivered among `events`: none waits any more.
    const { queued: _delivered, ...rest } = stored.thread;
    const thread = { ...rest, events: [...stored.thread.events, ...events] };
    this.threads.set(read.id, { ...stored, thread, head });
    return thread;
  }

  async queueMessage(read: Thread, message: WaitingMessage) {
    const stored = this.current(read);
    const thread = { ...stored.thread, queued: [...(stored.thread.queued ?? []), message] };
    this.threads.set(read.id, { ...stored, thread });
    return thread;
  }

  /** The stored thread, if it is still as `read` saw it (version and messages waiting). */
  private current(read: Thread): Stored {
    const stored = this.threads.get(read.id);
    const waiting = (thread: Thread) => thread.queued?.length ?? 0;
    if (
      !stored ||
      versionOf(stored.thread) !== versionOf(read) ||
      waiting(stored.thread) !== waiting(read)
    ) {
      throw new VersionConflictError(read.id, versionOf(read));
    }
    return stored;
  }

  async list({ status, agent, limit = 50, cursor }: ListThreadsQuery) {
    const listing = JSON.stringify([status ?? null, agent ?? null]);
    const after = cursor === undefined ? undefined : decodeCursor(cursor, listing);
    const matching = [...this.threads.values()]
      .filter(
        ({ thread, head }) =>
          (!status || head.status === status) && (!agent || thread.agent === agent),
      )
      .map(({ thread, head }) => ({ key: sortKey(thread.id, head), thread, head }))
      .filter(({ key }) => after === undefined || key < after)
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = matching.slice(0, limit);
    const threads = page.map(
      ({ thread, head }): ThreadSummary => ({
        threadId: thread.id,
        agent: thread.agent,
        status: head.status,
        updatedAt: head.updatedAt,
      }),
    );
    const last = page.at(-1);
    return last && matching.length > page.length
      ? { threads, next: encodeCursor({ listing, after: last.key }) }
      : { threads };
  }
}

/** Newest first, then by thread id, as the DynamoDB indexes order (canonical ISO time). */
const sortKey = (threadId: string, head: ThreadHead): string =>
  `${new Date(head.updatedAt).toISOString()}#${threadId}`;

const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(cursor: string, listing: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalid("not a cursor this store handed out", cause);
  }
  const { listing: of, after } = (decoded ?? {}) as Partial<Cursor>;
  if (typeof of !== "string" || typeof after !== "string") {
    throw invalid("not a cursor this store handed out");
  }
  if (of !== listing) throw invalid("it belongs to another listing");
  return after;
}

const invalid = (reason: string, cause?: unknown): InvalidCursorError =>
  new InvalidCursorError(
    `invalid cursor (${reason}): pass the \`next\` value of an earlier page`,
    cause === undefined ? undefined : { cause },
  );
