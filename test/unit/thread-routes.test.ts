import { describe, expect, it } from "vitest";
import {
  cappedEvents,
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
    const huge = [message(0), message(1, EVENT_BYTES_BUDGET + 10)];

    // Act
    const capped = cappedEvents(threadOf(big));
    const one = cappedEvents(threadOf(huge));

    // Assess
    expect(capped.events).toEqual(big.slice(12));
    expect(capped.eventsFrom).toBe(13);
    expect(one.events).toEqual(huge.slice(1));
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
