import { describe, expect, it } from "vitest";
import {
  IdempotencyKeyReusedError,
  InvalidCursorError,
  VersionConflictError,
} from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import type { Clock, ThreadStore } from "../../shared/core/ports.ts";
import { deriveHead, type Thread, type ThreadHead } from "../../shared/core/thread.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "./writes.ts";

/**
 * What every `ThreadStore` promises, run against each implementation (in memory, DynamoDB).
 * `makeStore` returns a new, empty store for each test. The suite hands every write the head the
 * core derives (`deriveHead`), except where it proves that a store lists by the head it is
 * handed rather than one it derives.
 *
 * @example
 * describeThreadStoreContract("MemoryThreadStore", () => new MemoryThreadStore());
 */
export function describeThreadStoreContract(
  name: string,
  makeStore: () => ThreadStore | Promise<ThreadStore>,
): void {
  describe(`Contract: ThreadStore (${name})`, () => {
    describe("Method: create", () => {
      it("stores a thread that loads back equal, every event type and key order kept", async () => {
        // Prepare
        const store = await makeStore();
        const thread = threadOf("thr_all", everyEventType(steppingClock()));

        // Act
        const result = await store.create({ thread, head: deriveHead(thread.events) });
        const loaded = await store.load(thread.id);

        // Assess
        expect(result).toEqual({ thread, created: true });
        expect(loaded).toEqual(thread);
        expect(JSON.stringify(loaded)).toBe(JSON.stringify(thread));
        expect(await store.load("thr_nobody")).toBeUndefined();
      });

      it("returns the thread a repeated idempotency key created, as it stands now", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const first = await createThread(store, launched("thr_first", clock), "launch-1");
        const grown = await appendEvents(store, first.thread, toolRound(clock, 1));

        // Act
        const again = await createThread(store, launched("thr_again", clock), "launch-1");

        // Assess
        expect(first.created).toBe(true);
        expect(again).toEqual({ thread: grown, created: false });
        expect(await store.load("thr_again")).toBeUndefined();
        expect(ids(await store.list({ status: "running" }))).toEqual(["thr_first"]);
      });

      it("creates exactly one thread when 10 creates race with one key", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const threads = Array.from({ length: 10 }, (_, n) => launched(`thr_${n}`, clock));

        // Act
        const results = await Promise.all(
          threads.map((thread) => createThread(store, thread, "same")),
        );

        // Assess
        const winners = results.filter((result) => result.created);
        expect(winners).toHaveLength(1);
        const winner = winners[0]?.thread;
        for (const result of results) expect(result.thread).toEqual(winner);
        const stored = await Promise.all(threads.map((thread) => store.load(thread.id)));
        expect(stored.filter((thread) => thread !== undefined)).toEqual([winner]);
      });

      it("refuses an id that exists with a VersionConflictError at 0, changing nothing", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread } = await createThread(store, launched("thr_taken", clock));
        const impostor = launched("thr_taken", clock);

        // Act
        const error = await rejection(createThread(store, impostor, "impostor-key"));

        // Assess: the thread is as it was, and the refused create did not take its key
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ threadId: "thr_taken", expectedVersion: 0 });
        expect(await store.load("thr_taken")).toEqual(thread);
        const fresh = await createThread(store, launched("thr_fresh", clock), "impostor-key");
        expect(fresh.created).toBe(true);
      });
      it("refuses a repeated key with another fingerprint, and keeps answering the first", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const create = (id: string, fingerprint?: string) =>
          store.create({
            thread: launched(id, clock),
            head: deriveHead(launched(id, clock).events),
            idempotencyKey: "launch-1",
            ...(fingerprint === undefined ? {} : { fingerprint }),
          });
        const first = await create("thr_first", "fp-a");

        // Act
        const reused = await rejection(create("thr_other", "fp-b"));
        const repeated = await create("thr_repeat", "fp-a");
        const unfingerprinted = await create("thr_bare");

        // Assess
        expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
        expect(reused).toMatchObject({
          code: "idempotency_key_reused",
          idempotencyKey: "launch-1",
        });
        expect(repeated).toEqual({ thread: first.thread, created: false });
        expect(unfingerprinted).toEqual({ thread: first.thread, created: false });
        expect(await store.load("thr_other")).toBeUndefined();
      });

      it("lets a key stored without a fingerprint match any request", async () => {
        // Prepare: a key written before fingerprints existed
        const store = await makeStore();
        const clock = steppingClock();
        const first = await createThread(store, launched("thr_old", clock), "old-key");

        // Act
        const again = await store.create({
          thread: launched("thr_new", clock),
          head: deriveHead(launched("thr_new", clock).events),
          idempotencyKey: "old-key",
          fingerprint: "fp-new",
        });

        // Assess
        expect(again).toEqual({ thread: first.thread, created: false });
      });
    });

    describe("Method: append", () => {
      it("appends at the version read and returns the thread that loads back", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const events = [...toolRound(clock, 1), doneEvent(clock)];

        // Act
        const appended = await appendEvents(store, read, events);

        // Assess
        expect(appended).toEqual({ ...read, events: [...read.events, ...events] });
        expect(await store.load("thr_a")).toEqual(appended);
      });

      it("refuses a stale read with a VersionConflictError and changes nothing", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const won = await appendEvents(store, read, toolRound(clock, 1));
        const running = await store.list({ status: "running" });

        // Act: the loser would have finished the thread
        const error = await rejection(appendEvents(store, read, [doneEvent(clock)]));

        // Assess
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ threadId: "thr_a", expectedVersion: 1 });
        expect(await store.load("thr_a")).toEqual(won);
        expect(await store.list({ status: "running" })).toEqual(running);
        expect(await store.list({ status: "done" })).toEqual({ threads: [] });
      });

      it("lets exactly one of 10 concurrent appends from one read win", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const attempts = Array.from({ length: 10 }, (_, n) => toolRound(clock, n));

        // Act
        const results = await Promise.allSettled(
          attempts.map((events) => appendEvents(store, read, events)),
        );

        // Assess
        const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const error of lost) expect(error).toBeInstanceOf(VersionConflictError);
        expect(await store.load("thr_a")).toEqual(won[0]);
      });

      it("refuses an append to a thread that does not exist, creating nothing", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const ghost = launched("thr_ghost", clock);

        // Act
        const error = await rejection(appendEvents(store, ghost, toolRound(clock, 1)));

        // Assess
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ threadId: "thr_ghost", expectedVersion: 1 });
        expect(await store.load("thr_ghost")).toBeUndefined();
        expect(await store.list({ status: "running" })).toEqual({ threads: [] });
      });

      it("returns the read thread for no events, and writes nothing", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const listed = await store.list({ status: "running" });

        // Act
        const same = await store.append(read, [], {
          status: "done",
          updatedAt: "2027-01-01T00:00:00.000Z",
        });

        // Assess
        expect(same).toEqual(read);
        expect(await store.load("thr_a")).toEqual(read);
        expect(await store.list({ status: "running" })).toEqual(listed);
      });

      it("lists a thread by the head it is handed, deriving no status of its own", async () => {
        // Prepare: a head the events alone would not give, so only the handed one can show
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const head: ThreadHead = {
          status: "waiting_for_human",
          updatedAt: "2026-06-01T00:00:00.000Z",
        };

        // Act
        await store.append(read, toolRound(clock, 1), head);

        // Assess
        expect(await store.list({ status: "running" })).toEqual({ threads: [] });
        expect(await store.list({ status: "waiting_for_human" })).toEqual({
          threads: [{ threadId: "thr_a", agent: "calculator", ...head }],
        });
      });
    });

    describe("Method: queueMessage", () => {
      const waiting = (clock: Clock, text: string) => ({
        message: text,
        at: clock.now().toISOString(),
        by: { principal: "alice", via: "api" as const },
      });

      it("keeps messages beside the thread, oldest first, without moving its version", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const first = waiting(clock, "also staging");
        // From a key that may not decide: kept so, or its delivery could answer a question
        const second = { ...waiting(clock, "and prod"), mayAnswer: false as const };

        // Act
        const once = await store.queueMessage(read, first);
        const twice = await store.queueMessage(once, second);

        // Assess
        expect(twice).toEqual({ ...read, queued: [first, second] });
        expect(await store.load("thr_a")).toEqual(twice);
        expect(await store.readEvents("thr_a", { after: 1, limit: 10 })).toEqual({
          events: [],
          version: 1,
          queued: [first, second],
        });
        expect(await store.list({ status: "running" })).toMatchObject({
          threads: [{ threadId: "thr_a", updatedAt: read.events[0]?.at }],
        });
      });

      it("lets the step in flight append, and the append removes what it read waiting", async () => {
        // Prepare: the step loaded the thread, then a message was queued and the step reloaded
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const queued = await store.queueMessage(read, waiting(clock, "also staging"));

        // Act: the stale read loses; the read that holds the message appends
        const stale = await rejection(appendEvents(store, read, toolRound(clock, 1)));
        const saved = await appendEvents(store, queued, toolRound(clock, 2));

        // Assess
        expect(stale).toBeInstanceOf(VersionConflictError);
        expect(saved.queued).toBeUndefined();
        expect(await store.load("thr_a")).toEqual(saved);
        expect((await store.readEvents("thr_a", { after: 3, limit: 10 }))?.queued).toBeUndefined();
      });

      it("refuses a read the thread has moved past, or with other messages waiting", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: read } = await createThread(store, launched("thr_a", clock));
        const moved = await appendEvents(store, read, toolRound(clock, 1));
        const kept = await store.queueMessage(moved, waiting(clock, "one"));

        // Act
        const past = await rejection(store.queueMessage(read, waiting(clock, "late")));
        const other = await rejection(store.queueMessage(moved, waiting(clock, "two")));
        const missing = await rejection(
          store.queueMessage({ ...read, id: "thr_nobody" }, waiting(clock, "x")),
        );

        // Assess
        for (const error of [past, other, missing]) {
          expect(error).toBeInstanceOf(VersionConflictError);
        }
        expect(await store.load("thr_a")).toEqual(kept);
        expect(await store.load("thr_nobody")).toBeUndefined();
      });
    });

    describe("Method: list", () => {
      it("lists one status newest first, page by page through the cursor", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const running: Thread[] = [];
        for (let n = 0; n < 5; n++) {
          running.push((await createThread(store, launched(`thr_${n}`, clock))).thread);
        }
        const { thread: finished } = await createThread(store, launched("thr_done", clock));
        const doneAt = await appendEvents(store, finished, [doneEvent(clock)]);
        // An append moves a thread to the top of its status.
        await appendEvents(store, running[0] as Thread, toolRound(clock, 1).slice(0, 1));
        const expected = ["thr_0", "thr_4", "thr_3", "thr_2", "thr_1"];

        // Act
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list({
            status: "running",
            limit: 2,
            ...(cursor ? { cursor } : {}),
          });
          pages.push(ids(page));
          cursor = page.next;
        } while (cursor);
        const done = await store.list({ status: "done" });

        // Assess
        expect(pages.flat()).toEqual(expected);
        expect(pages[0]).toHaveLength(2);
        for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
        expect(done).toEqual({
          threads: [
            {
              threadId: "thr_done",
              agent: "calculator",
              status: "done",
              updatedAt: doneAt.events.at(-1)?.at,
            },
          ],
        });
        expect(await store.list({ status: "failed" })).toEqual({ threads: [] });
      });

      it("lists an agent's threads in one status", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        await createThread(store, launched("thr_calc", clock));
        await createThread(store, launched("thr_deploy", clock, "deploybot"));
        const { thread: shipped } = await createThread(
          store,
          launched("thr_shipped", clock, "deploybot"),
        );
        await appendEvents(store, shipped, [doneEvent(clock)]);

        // Act
        const running = await store.list({ status: "running", agent: "deploybot" });
        const done = await store.list({ status: "done", agent: "deploybot" });
        const calculatorDone = await store.list({ status: "done", agent: "calculator" });
        const calculatorRunning = await store.list({ status: "running", agent: "calculator" });

        // Assess
        expect(running.threads).toEqual([
          expect.objectContaining({
            threadId: "thr_deploy",
            agent: "deploybot",
            status: "running",
          }),
        ]);
        expect(ids(done)).toEqual(["thr_shipped"]);
        expect(calculatorDone).toEqual({ threads: [] });
        expect(ids(calculatorRunning)).toEqual(["thr_calc"]);
      });

      it("orders by the time, not by how the time is written, and shows it as written", async () => {
        // Prepare: the same second, once with and once without milliseconds
        const store = await makeStore();
        const whole = threadOf("thr_whole", [userMessage("2026-01-01T00:00:00Z")]);
        const later = threadOf("thr_later", [userMessage("2026-01-01T00:00:00.500Z")]);
        await createThread(store, later);
        await createThread(store, whole);

        // Act
        const page = await store.list({ status: "running" });

        // Assess
        expect(page.threads.map((t) => [t.threadId, t.updatedAt])).toEqual([
          ["thr_later", "2026-01-01T00:00:00.500Z"],
          ["thr_whole", "2026-01-01T00:00:00Z"],
        ]);
      });

      it("lists every status newest first, page by page, and an agent's threads alone", async () => {
        // Prepare: threads of three statuses and two agents
        const store = await makeStore();
        const clock = steppingClock();
        const { thread: a } = await createThread(store, launched("thr_a", clock));
        await createThread(store, launched("thr_b", clock, "deploybot"));
        const { thread: c } = await createThread(store, launched("thr_c", clock));
        await createThread(store, launched("thr_d", clock, "deploybot"));
        await appendEvents(store, a, [doneEvent(clock)]);
        await store.append(c, toolRound(clock, 1), {
          status: "waiting_for_human",
          updatedAt: clock.now().toISOString(),
        });

        // Act
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list({ limit: 2, ...(cursor ? { cursor } : {}) });
          pages.push(ids(page));
          cursor = page.next;
        } while (cursor);
        const calculator = await store.list({ agent: "calculator" });
        const deploybot = await store.list({ agent: "deploybot", limit: 1 });
        const deploybotRest = await store.list({
          agent: "deploybot",
          cursor: deploybot.next as string,
        });

        // Assess
        expect(pages).toEqual([
          ["thr_c", "thr_a"],
          ["thr_d", "thr_b"],
        ]);
        expect(calculator.threads).toEqual([
          expect.objectContaining({ threadId: "thr_c", status: "waiting_for_human" }),
          expect.objectContaining({ threadId: "thr_a", status: "done" }),
        ]);
        expect(calculator.next).toBeUndefined();
        expect(ids(deploybot)).toEqual(["thr_d"]);
        expect(deploybotRest).toEqual({
          threads: [expect.objectContaining({ threadId: "thr_b", agent: "deploybot" })],
        });
      });

      it("refuses a cursor of one listing in another, across all statuses too", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        for (let n = 0; n < 3; n++) await createThread(store, launched(`thr_${n}`, clock));
        const all = await store.list({ limit: 1 });
        const byAgent = await store.list({ agent: "calculator", limit: 1 });
        const running = await store.list({ status: "running", limit: 1 });

        // Act
        const errors = await Promise.all([
          rejection(store.list({ cursor: byAgent.next as string })),
          rejection(store.list({ cursor: running.next as string })),
          rejection(store.list({ agent: "calculator", cursor: all.next as string })),
          rejection(store.list({ agent: "deploybot", cursor: byAgent.next as string })),
          rejection(store.list({ status: "running", cursor: all.next as string })),
          rejection(store.list({ cursor: "not a cursor!" })),
        ]);

        // Assess
        for (const error of errors) expect(error).toBeInstanceOf(InvalidCursorError);
      });

      it("refuses a cursor it did not hand out for this listing with InvalidCursorError", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        for (let n = 0; n < 3; n++) await createThread(store, launched(`thr_${n}`, clock));
        const { next } = await store.list({ status: "running", limit: 1 });
        const byAgent = await store.list({ status: "running", agent: "calculator", limit: 1 });
        const forged = Buffer.from(JSON.stringify({ pk: "x" })).toString("base64url");

        // Act
        const errors = await Promise.all([
          rejection(store.list({ status: "running", cursor: "not a cursor!" })),
          rejection(store.list({ status: "running", cursor: "bm90LWpzb24" })),
          rejection(store.list({ status: "running", cursor: forged })),
          rejection(store.list({ status: "done", cursor: next as string })),
          rejection(store.list({ status: "running", agent: "calculator", cursor: next as string })),
          rejection(
            store.list({ status: "done", agent: "calculator", cursor: byAgent.next as string }),
          ),
        ]);

        // Assess
        expect(next).toEqual(expect.any(String));
        expect(byAgent.next).toEqual(expect.any(String));
        for (const error of errors) {
          expect(error).toBeInstanceOf(InvalidCursorError);
          expect((error as Error).message).toMatch(/pass the `next` value/);
        }
      });
    });

    describe("Method: readEvents", () => {
      it("reads only the events after a version, at most a limit, with the thread's version", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread } = await createThread(store, launched("thr_a", clock));
        const grown = await appendEvents(store, thread, [
          ...toolRound(clock, 1),
          ...toolRound(clock, 2),
        ]);

        // Act
        const all = await store.readEvents("thr_a", { after: 0, limit: 100 });
        const middle = await store.readEvents("thr_a", { after: 1, limit: 2 });
        const tail = await store.readEvents("thr_a", { after: 4, limit: 2 });
        const beyond = await store.readEvents("thr_a", { after: 9, limit: 2 });
        const nobody = await store.readEvents("thr_nobody", { after: 0, limit: 2 });

        // Assess
        expect(all).toEqual({ events: grown.events, version: 5 });
        expect(middle).toEqual({ events: grown.events.slice(1, 3), version: 5 });
        expect(tail).toEqual({ events: grown.events.slice(4), version: 5 });
        expect(beyond).toEqual({ events: [], version: 5 });
        expect(nobody).toBeUndefined();
      });
    });

    describe("Method: delete", () => {
      it("removes the thread from reads and listings, and frees its idempotency key", async () => {
        // Prepare
        const store = await makeStore();
        const clock = steppingClock();
        const { thread } = await createThread(store, launched("thr_gone", clock), "key-1");
        await createThread(store, launched("thr_kept", clock));

        // Act
        const deleted = await store.delete("thr_gone");

        // Assess
        expect(deleted).toBe(true);
        expect(await store.load("thr_gone")).toBeUndefined();
        expect(await store.readEvents("thr_gone", { after: 0, limit: 10 })).toBeUndefined();
        expect(ids(await store.list({ status: "running" }))).toEqual(["thr_kept"]);
        expect(ids(await store.list({}))).toEqual(["thr_kept"]);
        const appended = await rejection(appendEvents(store, thread, toolRound(clock, 1)));
        expect(appended).toBeInstanceOf(VersionConflictError);
        expect(await store.load("thr_gone")).toBeUndefined();
        const again = await createThread(store, launched("thr_new", clock), "key-1");
        expect(again.created).toBe(true);
      });

      it("deletes a thread longer than one transaction holds", async () => {
        // Prepare: 1 + 2 * 49 + 2 * 49 = 197 events
        const store = await makeStore();
        const clock = steppingClock();
        let thread = (await createThread(store, launched("thr_long", clock))).thread;
        for (let batch = 0; batch < 2; batch++) {
          const events = Array.from({ length: 49 }, (_, n) => toolRound(clock, batch * 49 + n));
          thread = await appendEvents(store, thread, events.flat());
        }

        // Act
        const deleted = await store.delete("thr_long");

        // Assess
        expect(thread.events).toHaveLength(197);
        expect(deleted).toBe(true);
        expect(await store.load("thr_long")).toBeUndefined();
        expect(await store.list({})).toEqual({ threads: [] });
      });

      it("answers false for a thread that does not exist", async () => {
        // Prepare
        const store = await makeStore();

        // Act
        const deleted = await store.delete("thr_nobody");

        // Assess
        expect(deleted).toBe(false);
      });
    });
  });
}

const threadOf = (id: string, events: ThreadEvent[], agent = "calculator"): Thread => ({
  id,
  agent,
  events,
});

const userMessage = (at: string): ThreadEvent => ({
  type: "user_message",
  at,
  data: { message: "3 + 4?" },
});

/** A thread launched at the clock's next tick. */
const launched = (id: string, clock: Clock, agent = "calculator"): Thread =>
  threadOf(id, [userMessage(clock.now().toISOString())], agent);

/** A tool call and its result. */
const toolRound = (clock: Clock, n: number): ThreadEvent[] => [
  {
    type: "tool_call",
    at: clock.now().toISOString(),
    data: { callId: `call_${n}`, tool: "add", args: { a: n, b: 1 }, source: "model" },
  },
  {
    type: "tool_result",
    at: clock.now().toISOString(),
    data: { callId: `call_${n}`, tool: "add", result: n + 1 },
  },
];

const doneEvent = (clock: Clock): ThreadEvent => ({
  type: "done",
  at: clock.now().toISOString(),
  data: { callId: "call_done", output: "7" },
});

/** One event of every type, with the optional fields set and keys in no sorted order. */
function everyEventType(clock: Clock): ThreadEvent[] {
  const at = () => clock.now().toISOString();
  const usage = { inputTokens: 120, outputTokens: 8 };
  return [
    {
      type: "user_message",
      at: at(),
      by: { principal: "alice", via: "api" },
      data: { message: "7 / 2?", metadata: { z: 1, a: [true, null] } },
    },
    {
      type: "tool_call",
      at: at(),
      data: { callId: "call_1", tool: "list", args: {}, source: "prefetch" },
    },
    {
      type: "tool_result",
      at: at(),
      data: { callId: "call_1", tool: "list", result: { b: 2, a: 1 } },
    },
    { type: "error", at: at(), data: { code: "model_reply", message: "no tool call", usage } },
    {
      type: "tool_call",
      at: at(),
      data: { callId: "call_4", tool: "divide", args: { b: 2, a: 7 }, source: "model", usage },
    },
    {
      type: "approval_requested",
      at: at(),
      data: { callId: "call_4", tool: "divide", args: { b: 2, a: 7 }, argsHash: "sha256:0f" },
    },
    {
      type: "approval_decision",
      at: at(),
      by: { principal: "U024BE7LH", via: "slack" },
      data: { callId: "call_4", approved: false, comment: "no" },
    },
    {
      type: "human_input_requested",
      at: at(),
      data: {
        callId: "call_7",
        tool: "escalation",
        args: { reason: "max_steps" },
        message: "help",
        reason: "max_steps",
      },
    },
    { type: "human_response", at: at(), data: { callId: "call_7", response: "go on" } },
    {
      type: "callback_requested",
      at: at(),
      data: {
        callId: "call_9",
        tool: "run_ci",
        args: { ref: "main" },
        tokenHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        expiresAt: "2026-12-02T10:00:00.000Z",
      },
    },
    { type: "callback_started", at: at(), data: { callId: "call_9" } },
    { type: "failed", at: at(), data: { reason: "poisoned" } },
    { type: "retry_requested", at: at(), data: { reason: "fixed" } },
    { type: "done", at: at(), data: { callId: "call_11", output: "3.5" } },
  ];
}

const ids = (page: { threads: { threadId: string }[] }): string[] =>
  page.threads.map((summary) => summary.threadId);

/** `promise`'s rejection (fails the test if it resolves). */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
