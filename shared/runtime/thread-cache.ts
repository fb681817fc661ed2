import { VersionConflictError } from "../core/errors.ts";
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
import type { RuntimeDeps } from "./deps.ts";

export interface ThreadCacheOptions {
  /** Threads kept at most; the least recently used goes first. Default 1,000. */
  maxThreads?: number;
  /**
   * Bytes kept at most, counted as the JSON text of the events (the heap they take is about 1.6
   * times that). A thread larger than this alone is not kept. Default 64 MiB: some 100 MB of
   * heap, a fifth of the worker's default 512 MB.
   */
  maxBytes?: number;
}

/** What the cache did since it was made: loads it answered from what it held, and the rest. */
export interface ThreadCacheStats {
  /** Loads that read only the events after the version held. */
  hits: number;
  /** Loads that read the whole thread (not held, or held but replaced in the store). */
  misses: number;
  /** Threads dropped: for room, deleted, gone from the store, or a lost append. */
  evictions: number;
  threads: number;
  bytes: number;
}

export const DEFAULT_CACHE_THREADS = 1_000;
export const DEFAULT_CACHE_BYTES = 64 * 2 ** 20;
/** Events asked for per `readEvents` call when catching up: one call in all but rare cases. */
const PAGE = 1_000;

interface Entry {
  thread: Thread;
  bytes: number;
}

/**
 * A `ThreadStore` that keeps the threads it loaded or wrote, so a warm worker reads only what is
 * new: `load` of a thread it holds at version `v` is `readEvents(id, { after: v })` (in DynamoDB
 * a consistent read of the meta item, then a query of the event items after `v`, whatever the
 * thread's length), and the rest comes from memory. Events are append-only and never change, so
 * the events held are a prefix of the stored ones; the stored version decides how much is new.
 *
 * It can never be appended on stale: every `load` reads the stored version, a stored version
 * below the one held (the thread was deleted and created again) drops the entry and loads the
 * whole thread, and an append stays conditional on the version in the store underneath: a
 * `VersionConflictError` drops the entry, so the next load reads the thread whole. `delete`
 * drops it too; `list` and `readEvents` go straight to the store. Bounded by `maxThreads` and
 * `maxBytes`, least recently used first.
 *
 * Thread ids are never reused (they hold 128 random bits), so a thread created again under the
 * same id with more events than the entry holds is not looked for.
 *
 * @example
 * // The worker's store, built once per container so it survives warm invocations:
 * const store = new CachedThreadStore(new DynamoThreadStore({ tableName }), { maxThreads: 500 });
 * const thread = await store.load(threadId); // a full load, then only the new events
 */
export class CachedThreadStore implements ThreadStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxThreads: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private readonly counts = { hits: 0, misses: 0, evictions: 0 };

  private readonly store: ThreadStore;

  constructor(store: ThreadStore, options: ThreadCacheOptions = {}) {
    this.store = store;
    this.maxThreads = options.maxThreads ?? DEFAULT_CACHE_THREADS;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
  }

  async create(input: CreateThreadInput): Promise<{ thread: Thread; created: boolean }> {
    const result = await this.store.create(input);
    this.keep(result.thread);
    return result;
  }

  /**
   * The thread as stored now. Held at version `v`: the events after `v` are read and added to
   * it; not held, or stored below `v`: the whole thread is loaded. `undefined` when the store
   * has no such thread (the entry is dropped).
   */
  async load(threadId: string): Promise<Thread | undefined> {
    const held = this.entries.get(threadId);
    if (held) {
      const newer = await this.eventsAfter(threadId, versionOf(held.thread));
      if (newer === "gone") {
        this.evict(threadId);
        return undefined;
      }
      if (newer !== "replaced") {
        this.counts.hits++;
        // The messages waiting come with the meta item the read of new events takes anyway.
        const { queued: _held, ...base } = held.thread;
        const thread =
          newer.events.length === 0 && !newer.queued && !held.thread.queued
            ? held.thread
            : {
                ...base,
                events: [...base.events, ...newer.events],
                ...(newer.queued ? { queued: newer.queued } : {}),
              };
        this.keep(thread, held, newer.events);
        return thread;
      }
      this.evict(threadId);
    }
    this.counts.misses++;
    const thread = await this.store.load(threadId);
    if (thread) this.keep(thread);
    return thread;
  }

  /** The store's conditional append; its result is kept, a `VersionConflictError` drops the entry. */
  async append(read: Thread, events: readonly ThreadEvent[], head: ThreadHead): Promise<Thread> {
    let saved: Thread;
    try {
      saved = await this.store.append(read, events, head);
    } catch (error) {
      if (error instanceof VersionConflictError) this.evict(read.id);
      throw error;
    }
    const held = this.entries.get(read.id);
    this.keep(saved, held && versionOf(held.thread) === versionOf(read) ? held : undefined, events);
    return saved;
  }

  /** The store's `queueMessage`; a `VersionConflictError` drops the entry, as for `append`. */
  async queueMessage(read: Thread, message: WaitingMessage): Promise<Thread> {
    try {
      return await this.store.queueMessage(read, message);
    } catch (error) {
      if (error instanceof VersionConflictError) this.evict(read.id);
      throw error;
    }
  }

  list(query: ListThreadsQuery): Promise<{ threads: ThreadSummary[]; next?: string }> {
    return this.store.list(query);
  }

  readEvents(threadId: string, query: EventsQuery): Promise<EventsPage | undefined> {
    return this.store.readEvents(threadId, query);
  }

  async delete(threadId: string): Promise<boolean> {
    this.evict(threadId);
    try {
      return await this.store.delete(threadId);
    } finally {
      // A load that was in flight may have kept it again meanwhile.
      this.evict(threadId);
    }
  }

  /** Counts since the cache was made, and what it holds now. */
  stats(): ThreadCacheStats {
    return { ...this.counts, threads: this.entries.size, bytes: this.bytes };
  }

  /**
   * Every event stored after version `after`, and the messages waiting as the last page read them
   * (waiting messages are removed only by an append, which would show as more events): "gone"
   * when the thread does not exist, "replaced" when it is stored below `after` (or the store
   * hands back fewer events than its version).
   */
  private async eventsAfter(
    threadId: string,
    after: number,
  ): Promise<Pick<EventsPage, "events" | "queued"> | "gone" | "replaced"> {
    const events: ThreadEvent[] = [];
    for (let from = after; ; ) {
      const page = await this.store.readEvents(threadId, { after: from, limit: PAGE });
      if (!page) return "gone";
      if (page.version < after) return "replaced";
      events.push(...page.events);
      from += page.events.length;
      if (from >= page.version) return { events, ...(page.queued ? { queued: page.queued } : {}) };
      if (page.events.length === 0) return "replaced";
    }
  }

  /**
   * Holds `thread` as the most recently used, unless a load or append that finished first holds
   * it at a later version. `base` is the entry it grew from by `added`, so only those are sized.
   */
  private keep(thread: Thread, base?: Entry, added?: readonly ThreadEvent[]): void {
    const current = this.entries.get(thread.id);
    if (current && versionOf(current.thread) > versionOf(thread)) return;
    const bytes =
      base && added && current === base ? base.bytes + sizeOf(added) : sizeOf(thread.events);
    if (current) this.drop(thread.id, current);
    if (bytes > this.maxBytes) return;
    this.entries.set(thread.id, { thread, bytes });
    this.bytes += bytes;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxThreads && this.bytes <= this.maxBytes) break;
      this.drop(id, entry);
      this.counts.evictions++;
    }
  }

  private evict(threadId: string): void {
    const entry = this.entries.get(threadId);
    if (!entry) return;
    this.drop(threadId, entry);
    this.counts.evictions++;
  }

  private drop(threadId: string, entry: Entry): void {
    this.entries.delete(threadId);
    this.bytes -= entry.bytes;
  }
}

/**
 * `deps` whose store is a `CachedThreadStore` over `deps.store`. Every other field is read from
 * `deps` as it stands (the local stack's tests swap the model or queue of a running stack), and
 * a store swapped in `deps` gets a cache of its own.
 *
 * @example
 * const worker = createWorkerHandler(withThreadCache(deps), logger, { maxReceives: 5 });
 */
export function withThreadCache(deps: RuntimeDeps, options: ThreadCacheOptions = {}): RuntimeDeps {
  let base = deps.store;
  let cached = new CachedThreadStore(base, options);
  return new Proxy(deps, {
    get(target, key, receiver) {
      if (key !== "store") return Reflect.get(target, key, receiver);
      if (target.store !== base) {
        base = target.store;
        cached = new CachedThreadStore(base, options);
      }
      return cached;
    },
  });
}

/** The events' size as JSON text, the measure `maxBytes` is in. */
const sizeOf = (events: readonly ThreadEvent[]): number =>
  events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
