import { InvalidCursorError, VersionConflictError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import type {
  CreateThreadInput,
  ListThreadsQuery,
  ThreadStore,
  ThreadSummary,
} from "../core/ports.ts";
import { deriveStatus, type Thread, versionOf } from "../core/thread.ts";

/** A `ThreadStore` in memory, with the same contract as the DynamoDB one; for tests and demos. */
export class MemoryThreadStore implements ThreadStore {
  private readonly threads = new Map<string, Thread>();
  private readonly byIdempotencyKey = new Map<string, string>();

  async create({ thread, idempotencyKey }: CreateThreadInput) {
    const existing = idempotencyKey ? this.byIdempotencyKey.get(idempotencyKey) : undefined;
    if (existing) return { thread: this.threads.get(existing) as Thread, created: false };
    if (this.threads.has(thread.id)) {
      throw new VersionConflictError(thread.id, 0);
    }
    this.threads.set(thread.id, thread);
    if (idempotencyKey) this.byIdempotencyKey.set(idempotencyKey, thread.id);
    return { thread, created: true };
  }

  async load(threadId: string) {
    return this.threads.get(threadId);
  }

  async append(read: Thread, events: readonly ThreadEvent[]) {
    const stored = this.threads.get(read.id);
    if (!stored || versionOf(stored) !== versionOf(read)) {
      throw new VersionConflictError(read.id, versionOf(read));
    }
    const next = { ...stored, events: [...stored.events, ...events] };
    this.threads.set(read.id, next);
    return next;
  }

  async list({ status, agent, limit = 50, cursor }: ListThreadsQuery) {
    const matching: ThreadSummary[] = [...this.threads.values()]
      .map((thread) => ({
        threadId: thread.id,
        agent: thread.agent,
        status: deriveStatus(thread.events),
        updatedAt: thread.events.at(-1)?.at ?? "",
      }))
      .filter((summary) => summary.status === status && (!agent || summary.agent === agent))
      .sort(
        (a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.threadId.localeCompare(b.threadId),
      );
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start) || start < 0) throw new InvalidCursorError();
    const threads = matching.slice(start, start + limit);
    const end = start + threads.length;
    return end < matching.length ? { threads, next: String(end) } : { threads };
  }
}
