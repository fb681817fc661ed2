import { describe, expect, it } from "vitest";
import {
  cappedEvents,
  dataRoute,
  EVENT_BYTES_BUDGET,
  eventsRoute,
  MAX_THREAD_EVENTS,
} from "../../functions/api/thread-routes.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";

const message = (n: number, size = 10): ThreadEvent => ({
  type: "user_message",
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  data: { message: `${n}:${"x".repeat(size)}` },
});

const threadOf = (events: ThreadEvent[]): Thread => ({ id: "thr_a", agent: "calculator", events });

describe("Function: cappedEvents", () => {
  it("keeps a thread of up to 200 events whole", () => {
    // Prepare
    const thread = threadOf(Array.from({ length: MAX_THREAD_EVENTS }, (_, n) => message(n)));

    // Act
    const capped = cappedEvents(thread);

    // Assess
    expect(capped).toEqual({ events: thread.events });
  });

  it("shows the last 200 of a longer thread and where they start", () => {
    // Prepare
    const thread = threadOf(Array.from({ length: 250 }, (_, n) => message(n)));

    // Act
    const capped = cappedEvents(thread);

    // Assess
    expect(capped.events).toEqual(thread.events.slice(50));
    expect(capped.eventsFrom).toBe(51);
    expect(capped.olderEvents).toBe("/threads/thr_a/events?after=0");
  });

  it("shows fewer when the last 200 would pass the byte budget, but at least one", () => {
    // Prepare: 20 events of 300 KB each (6 MB): only 8 fit 2.5 MB
    const big = Array.from({ length: 20 }, (_, n) => message(n, 300_000));
    const near = [message(0, 1_500_000), message(1, 1_500_000)];

    // Act
    const capped = cappedEvents(threadOf(big));
    const one = cappedEvents(threadOf(near));

    // Assess
    expect(capped.events).toEqual(big.slice(12));
    expect(capped.eventsFrom).toBe(13);
    expect(one.events).toEqual(near.slice(1));
  });

  it("links an event that alone passes the budget, and shows the rest whole", () => {
    // Prepare: a 1 MB event fits; a 5 MB one does not.
    const events = [message(0), message(1, 1_000_000), message(2, 5_000_000), message(3)];

    // Act
    const capped = cappedEvents(threadOf(events));

    // Assess
    expect(capped.events).toEqual([
      events[0],
      events[1],
      {
        type: "user_message",
        at: events[2]?.at,
        dataLink: "/threads/thr_a/events/3/data",
        dataBytes: Buffer.byteLength(JSON.stringify(events[2]?.data)),
      },
      events[3],
    ]);
    expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThan(EVENT_BYTES_BUDGET);
  });
});

describe("Function: eventsRoute", () => {
  it("ends a page at the byte budget and points on with next", async () => {
    // Prepare
    const store = new MemoryThreadStore();
    const events = Array.from({ length: 20 }, (_, n) => message(n, 300_000));
    await store.create({ thread: threadOf(events), head: deriveHead(events) });
    const deps = { store } as unknown as RuntimeDeps;

    // Act
    const answer = await eventsRoute(deps, "thr_a", { after: "2", limit: "1000" });

    // Assess
    const body = JSON.parse(answer.body ?? "");
    expect(answer.statusCode).toBe(200);
    expect(body.events.map((e: { version: number }) => e.version)).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(body).toMatchObject({ version: 20, next: 10 });
  });
});

describe("Function: eventsRoute, linked events", () => {
  it("links a page's event past the budget, with its version", async () => {
    // Prepare
    const store = new MemoryThreadStore();
    const events = [message(0), message(1, 5_000_000)];
    await store.create({ thread: threadOf(events), head: deriveHead(events) });
    const deps = { store } as unknown as RuntimeDeps;

    // Act
    const answer = await eventsRoute(deps, "thr_a", {});

    // Assess
    const body = JSON.parse(answer.body ?? "");
    expect(body.events[1]).toEqual({
      type: "user_message",
      at: events[1]?.at,
      dataLink: "/threads/thr_a/events/2/data",
      dataBytes: Buffer.byteLength(JSON.stringify(events[1]?.data)),
      version: 2,
    });
    expect(body.events[1].data).toBeUndefined();
  });
});

describe("Function: dataRoute", () => {
  const prepare = async (links?: Record<number, string>) => {
    const store = new MemoryThreadStore();
    const events = [message(0), message(1, 5_000_000)];
    await store.create({ thread: threadOf(events), head: deriveHead(events) });
    const dataLinks = links && { dataLink: async (_id: string, v: number) => links[v] };
    return {
      events,
      deps: { store, ...(dataLinks ? { dataLinks } : {}) } as unknown as RuntimeDeps,
    };
  };

  it("answers 200 with the data whole when the store holds it", async () => {
    // Prepare
    const { events, deps } = await prepare();

    // Act
    const answer = await dataRoute(deps, "thr_a", "2");

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe(JSON.stringify(events[1]?.data));
  });

  it("redirects to the store's link, uncached, when the data is kept beside it", async () => {
    // Prepare
    const { deps } = await prepare({
      2: "https://bucket.example/threads/thr_a/2?X-Amz-Signature=s",
    });

    // Act
    const linked = await dataRoute(deps, "thr_a", "2");
    const inline = await dataRoute(deps, "thr_a", "1");

    // Assess
    expect(linked.statusCode).toBe(307);
    expect(linked.headers).toMatchObject({
      location: "https://bucket.example/threads/thr_a/2?X-Amz-Signature=s",
      "cache-control": "no-store",
    });
    expect(inline.statusCode).toBe(200);
  });

  it("refuses a version the thread does not have, and an unknown thread", async () => {
    // Prepare
    const { deps } = await prepare();

    // Act, Assess
    await expect(dataRoute(deps, "thr_a", "3")).rejects.toThrow(/has events 1 to 2, not 3/);
    await expect(dataRoute(deps, "thr_a", "0")).rejects.toThrow(/expected a positive integer/);
    await expect(dataRoute(deps, "thr_a", "x")).rejects.toMatchObject({ code: "invalid_version" });
    await expect(dataRoute(deps, "thr_b", "1")).rejects.toMatchObject({ code: "thread_not_found" });
  });
});
