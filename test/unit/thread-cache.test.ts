import { describe, expect, it } from "vitest";
import { VersionConflictError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import type { EventsQuery } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { CachedThreadStore, withThreadCache } from "../../shared/runtime/thread-cache.ts";
import {
  MemoryThreadStore,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";
import { describeThreadStoreContract } from "../contract/thread-store.contract.ts";
import { appendEvents, createThread } from "../contract/writes.ts";

// The decorator keeps every promise of the store underneath.
describeThreadStoreContract(
  "CachedThreadStore over MemoryThreadStore",
  () => new CachedThreadStore(new MemoryThreadStore()),
);

/** The in-memory store, noting the reads it is asked for. */
class CountingStore extends MemoryThreadStore {
  loads: string[] = [];
  pages: (EventsQuery & { threadId: string })[] = [];
  override load(threadId: string) {
    this.loads.push(threadId);
    return super.load(threadId);
  }
  override readEvents(threadId: string, query: EventsQuery) {
    this.pages.push({ threadId, ...query });
    return super.readEvents(threadId, query);
  }
}

let tick = 0;
const at = () => new Date(Date.UTC(2026, 1, 1) + tick++ * 1000).toISOString();

const launched = (id: string, message = "1 + 1?"): Thread => ({
  id,
  agent: "calculator",
  events: [userMessage(message, { at: at() })],
});

const round = (n: number): ThreadEvent[] => [
  toolCall(`call_${n}`, "add", { a: n, b: 1 }, { at: at() }),
  toolResult(`call_${n}`, "add", n + 1, { at: at() }),
];

/** A store underneath, the cache over it, and a thread of `rounds` tool rounds in both. */
async function prepared(rounds: number, options = {}) {
  const store = new CountingStore();
  const cache = new CachedThreadStore(store, options);
  let thread = (await createThread(cache, launched("thr_a"))).thread;
  for (let n = 0; n < rounds; n++) thread = await appendEvents(cache, thread, round(n));
  return { store, cache, thread };
}

describe("Class: CachedThreadStore", () => {
  describe("Method: load", () => {
    it("reads only the events after the version it holds once it has the thread", async () => {
      // Prepare
      const { store, cache, thread } = await prepared(3);

      // Act
      const loaded = await cache.load("thr_a");

      // Assess
      expect(loaded).toEqual(thread);
      expect(store.loads).toEqual([]);
      expect(store.pages).toEqual([{ threadId: "thr_a", after: 7, limit: 1000 }]);
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 0, threads: 1 });
    });

    it("adds what another writer appended since, read after the version held", async () => {
      // Prepare
      const { store, cache, thread } = await prepared(1);
      const other = await appendEvents(store, thread, round(1));

      // Act
      const loaded = await cache.load("thr_a");
      const again = await cache.load("thr_a");

      // Assess
      expect(loaded).toEqual(other);
      expect(await store.load("thr_a")).toEqual(loaded);
      expect(again).toEqual(other);
      expect(store.pages.map((page) => page.after)).toEqual([3, 5]);
    });

    it("loads a thread it does not hold whole, then holds it", async () => {
      // Prepare
      const store = new CountingStore();
      const { thread } = await createThread(store, launched("thr_b"));
      const cache = new CachedThreadStore(store);

      // Act
      const first = await cache.load("thr_b");
      const second = await cache.load("thr_b");

      // Assess
      expect(first).toEqual(thread);
      expect(second).toEqual(thread);
      expect(store.loads).toEqual(["thr_b"]);
      expect(store.pages.map((page) => page.after)).toEqual([1]);
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
      expect(await cache.load("thr_nobody")).toBeUndefined();
    });

    it("catches up on more events than one page holds", async () => {
      // Prepare
      const { store, cache, thread } = await prepared(0);
      let other = thread;
      for (let n = 0; n < 600; n++) other = await appendEvents(store, other, round(n));

      // Act
      const loaded = await cache.load("thr_a");

      // Assess
      expect(loaded).toEqual(other);
      expect(loaded?.events).toHaveLength(1201);
      expect(store.pages.map((page) => page.after)).toEqual([1, 1001]);
    });

    it("answers undefined and forgets a thread deleted underneath it", async () => {
      // Prepare
      const { store, cache } = await prepared(1);
      await store.delete("thr_a");

      // Act
      const loaded = await cache.load("thr_a");

      // Assess
      expect(loaded).toBeUndefined();
      expect(cache.stats()).toMatchObject({ threads: 0, evictions: 1 });
    });

    it("loads whole a thread stored below the version it holds (deleted, created again)", async () => {
      // Prepare
      const { store, cache } = await prepared(2);
      await store.delete("thr_a");
      const { thread: again } = await createThread(store, launched("thr_a", "2 + 2?"));

      // Act
      const loaded = await cache.load("thr_a");

      // Assess
      expect(loaded).toEqual(again);
      expect(store.loads).toEqual(["thr_a"]);
      expect(cache.stats()).toMatchObject({ misses: 1, evictions: 1, threads: 1 });
    });
  });

  describe("Method: append", () => {
    it("never appends on a stale thread: the conflict changes nothing and drops the entry", async () => {
      // Prepare
      const { store, cache, thread: stale } = await prepared(1);
      const other = await appendEvents(store, stale, round(9));

      // Act
      const error = await appendEvents(cache, stale, round(1)).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(cache.stats()).toMatchObject({ threads: 0, evictions: 1 });
      expect(await store.load("thr_a")).toEqual(other);
      store.loads = [];
      expect(await cache.load("thr_a")).toEqual(other);
      expect(store.loads).toEqual(["thr_a"]);
    });

    it("holds what it appended, so the next load reads nothing but the meta", async () => {
      // Prepare
      const { store, cache, thread } = await prepared(0);

      // Act
      const saved = await appendEvents(cache, thread, round(0));
      const loaded = await cache.load("thr_a");

      // Assess
      expect(loaded).toBe(saved);
      expect(store.pages).toEqual([{ threadId: "thr_a", after: 3, limit: 1000 }]);
    });
  });

  describe("Method: delete", () => {
    it("forgets the thread it deleted", async () => {
      // Prepare
      const { cache } = await prepared(1);

      // Act
      const deleted = await cache.delete("thr_a");

      // Assess
      expect(deleted).toBe(true);
      expect(cache.stats()).toMatchObject({ threads: 0, bytes: 0 });
      expect(await cache.load("thr_a")).toBeUndefined();
    });
  });

  describe("Bounds", () => {
    it("keeps at most maxThreads, dropping the least recently used", async () => {
      // Prepare
      const store = new CountingStore();
      const cache = new CachedThreadStore(store, { maxThreads: 2 });
      for (const id of ["thr_1", "thr_2"]) await createThread(cache, launched(id));
      await cache.load("thr_1");

      // Act
      await createThread(cache, launched("thr_3"));
      store.loads = [];
      await cache.load("thr_1");
      await cache.load("thr_3");
      await cache.load("thr_2");

      // Assess
      expect(store.loads).toEqual(["thr_2"]);
      expect(cache.stats().threads).toBe(2);
    });

    it("keeps at most maxBytes of events, and no thread larger than that alone", async () => {
      // Prepare
      const store = new CountingStore();
      const small = launched("thr_small", "x");
      const big = launched("thr_big", "y".repeat(2_000));
      const size = JSON.stringify(small.events[0]).length;
      const cache = new CachedThreadStore(store, { maxBytes: size * 2 + 10 });

      // Act
      await createThread(cache, big);
      await createThread(cache, small);
      await createThread(cache, launched("thr_other", "z"));

      // Assess
      expect(cache.stats()).toMatchObject({ threads: 2, bytes: size * 2 });
      store.loads = [];
      await cache.load("thr_big");
      await cache.load("thr_big");
      expect(store.loads).toEqual(["thr_big", "thr_big"]);
    });

    it("counts the bytes of what it holds as the thread grows and goes", async () => {
      // Prepare
      const { cache, thread } = await prepared(2);
      const expected = thread.events.reduce((sum, e) => sum + JSON.stringify(e).length, 0);

      // Act
      const held = cache.stats().bytes;
      await cache.delete("thr_a");

      // Assess
      expect(held).toBe(expected);
      expect(cache.stats().bytes).toBe(0);
    });
  });
});

describe("Function: withThreadCache", () => {
  it("caches the store and reads every other field live, a swapped store included", async () => {
    // Prepare
    const first = new CountingStore();
    const deps = { store: first, model: "first model" } as unknown as RuntimeDeps;
    const cached = withThreadCache(deps);
    await createThread(cached.store, launched("thr_live"));

    // Act
    await cached.store.load("thr_live");
    (deps as { model: unknown }).model = "second model";
    const second = new CountingStore();
    deps.store = second;
    await createThread(cached.store, launched("thr_live"));
    await cached.store.load("thr_live");

    // Assess
    expect(cached.store).toBeInstanceOf(CachedThreadStore);
    expect(cached.model).toBe("second model");
    expect(first.loads).toEqual([]);
    expect(second.pages.map((page) => page.after)).toEqual([1]);
    expect(second.loads).toEqual([]);
  });
});
