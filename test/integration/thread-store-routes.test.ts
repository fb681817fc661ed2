import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { client, startTestStack } from "./local-stack.ts";

describe("Routes: the store-facing thread routes (DynamoDB Local)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  const listed = async (path: string): Promise<string[]> =>
    (await api.request("GET", path)).body.threads.map((t: { threadId: string }) => t.threadId);

  describe("DELETE /threads/{id}", () => {
    it("forgets a thread: 204, then 404 everywhere, its key free and its step dropped", async () => {
      // Prepare
      const launched = await api.launch("calculator", "What is (3 + 4) / 2?", {
        "idempotency-key": "forget-me",
      });
      const { threadId } = launched.body;
      const waiting = await api.waitFor(threadId, "waiting_for_approval");

      // Act
      const deleted = await api.request("DELETE", `/threads/${threadId}`);

      // Assess
      expect(deleted).toEqual({ status: 204, body: null });
      expect((await api.get(threadId)).status).toBe(404);
      expect((await api.request("GET", `/threads/${threadId}/events`)).status).toBe(404);
      expect(await listed("/threads?status=waiting_for_approval")).not.toContain(threadId);
      expect(await listed("/threads")).not.toContain(threadId);
      expect(await processStep(stack.deps, { threadId, version: waiting.version })).toBe(
        "not_found",
      );
      const again = await api.request("DELETE", `/threads/${threadId}`);
      expect([again.status, again.body.error.code]).toEqual([404, "thread_not_found"]);
      const relaunched = await api.launch("calculator", "What is (3 + 4) / 2?", {
        "idempotency-key": "forget-me",
      });
      expect(relaunched.status).toBe(202);
      expect(relaunched.body.threadId).not.toBe(threadId);
    });

    it("answers 404 thread_not_found for an unknown or impossible id", async () => {
      for (const id of ["thr_unknown", "not%20an%20id"]) {
        const answer = await api.request("DELETE", `/threads/${id}`);
        expect([answer.status, answer.body.error.code]).toEqual([404, "thread_not_found"]);
      }
    });
  });

  describe("GET /threads/{id}/events", () => {
    it("pages through the events after a version, each with its version", async () => {
      // Prepare
      const { body } = await api.launch("calculator", "What is 3 + 4?");
      const done = await api.waitFor(body.threadId, "done");
      const path = `/threads/${body.threadId}/events`;

      // Act
      const all = await api.request("GET", path);
      const first = await api.request("GET", `${path}?after=1&limit=2`);
      const rest = await api.request("GET", `${path}?after=${first.body.next}&limit=1000`);
      const beyond = await api.request("GET", `${path}?after=999`);

      // Assess
      expect(all).toEqual({
        status: 200,
        body: {
          events: done.events.map((event, index) => ({ ...event, version: index + 1 })),
          version: done.version,
        },
      });
      expect(first.body).toEqual({
        events: done.events.slice(1, 3).map((event, index) => ({ ...event, version: index + 2 })),
        version: done.version,
        next: 3,
      });
      expect(rest.body.events.map((e: { version: number }) => e.version)).toEqual(
        done.events.slice(3).map((_, index) => index + 4),
      );
      expect(rest.body.next).toBeUndefined();
      expect(beyond).toEqual({ status: 200, body: { events: [], version: done.version } });
    });

    it("answers 400 invalid_query for a bad after or limit, 404 for an unknown thread", async () => {
      // Prepare
      const { body } = await api.launch("calculator", "What is 1 + 1?");
      const path = `/threads/${body.threadId}/events`;

      // Act
      const bad = await Promise.all(
        ["after=-1", "after=1.5", "after=x", "limit=0", "limit=1001", "limit=", "page=2"].map(
          (query) => api.request("GET", `${path}?${query}`),
        ),
      );
      const unknown = await api.request("GET", "/threads/thr_unknown/events");

      // Assess
      for (const answer of bad) {
        expect([answer.status, answer.body.error.code]).toEqual([400, "invalid_query"]);
      }
      expect([unknown.status, unknown.body.error.code]).toEqual([404, "thread_not_found"]);
    });
  });

  describe("GET /threads/{id} of a long thread", () => {
    it("shows the last 200 events, where they start, and where the rest are paged", async () => {
      // Prepare: 1 + 3 * 80 = 241 events, written straight to the store
      const thread = await longThread("thr_long", 80);

      // Act
      const read = await api.get(thread.id);

      // Assess
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        threadId: thread.id,
        version: 241,
        eventsFrom: 42,
        olderEvents: `/threads/${thread.id}/events?after=0`,
      });
      expect(read.body.events).toEqual(thread.events.slice(41));
      const older = await api.request("GET", read.body.olderEvents);
      expect(older.body.events).toHaveLength(100);
      expect(older.body.next).toBe(100);
    });

    it("shows a short thread whole, without eventsFrom", async () => {
      const thread = await longThread("thr_short", 10);
      const read = await api.get(thread.id);
      expect(read.body.events).toEqual(thread.events);
      expect(read.body).not.toHaveProperty("eventsFrom");
      expect(read.body).not.toHaveProperty("olderEvents");
    });
  });

  describe("POST /threads with a reused Idempotency-Key", () => {
    it("answers 422 for another request, and the first thread for the same one", async () => {
      // Prepare
      const headers = { "idempotency-key": "reused-key" };
      const first = await api.launch("calculator", "What is 2 + 2?", headers);

      // Act
      const same = await api.launch("calculator", "What is 2 + 2?", headers);
      const otherMessage = await api.launch("calculator", "What is 9 + 9?", headers);
      const otherMetadata = await api.request(
        "POST",
        "/threads",
        { agent: "calculator", message: "What is 2 + 2?", metadata: { user: "u1" } },
        headers,
      );

      // Assess
      expect(first.status).toBe(202);
      expect([same.status, same.body.threadId]).toEqual([202, first.body.threadId]);
      for (const answer of [otherMessage, otherMetadata]) {
        expect(answer.status).toBe(422);
        expect(answer.body.error.code).toBe("idempotency_key_reused");
        expect(answer.body.error.message).toMatch(/used for another request/);
      }
    });
  });

  describe("GET /threads without a status", () => {
    it("lists every status newest first, and one agent's threads alone", async () => {
      // Prepare
      const { body: a } = await api.launch("calculator", "What is 5 + 5?");
      await api.waitFor(a.threadId, "done");
      const { body: b } = await api.launch("calculator", "What is (8 + 2) / 5?");
      await api.waitFor(b.threadId, "waiting_for_approval");

      // Act
      const all = await listed("/threads?limit=100");
      const calculator = await listed("/threads?agent=calculator&limit=100");
      const page = await api.request("GET", "/threads?limit=1");

      // Assess
      expect(all.indexOf(b.threadId)).toBeLessThan(all.indexOf(a.threadId));
      expect(all.indexOf(a.threadId)).toBeGreaterThanOrEqual(0);
      expect(calculator).toEqual(expect.arrayContaining([a.threadId, b.threadId]));
      expect(page.body.threads).toHaveLength(1);
      expect(page.body.next).toEqual(expect.any(String));
      const bad = await api.request("GET", `/threads?status=running&cursor=${page.body.next}`);
      expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_cursor"]);
    });
  });

  /** A calculator thread of one message and `rounds` add rounds, written to the store. */
  async function longThread(id: string, rounds: number): Promise<Thread> {
    let at = Date.parse("2026-11-01T00:00:00.000Z");
    const tick = () => {
      at += 1000;
      return new Date(at).toISOString();
    };
    const start: Thread = {
      id,
      agent: "calculator",
      events: [{ type: "user_message", at: tick(), data: { message: "count" } }],
    };
    let thread = (await stack.deps.store.create({ thread: start, head: deriveHead(start.events) }))
      .thread;
    for (let n = 0; n < rounds; n += 20) {
      const events: ThreadEvent[] = [];
      for (let k = n; k < Math.min(n + 20, rounds); k++) {
        events.push(
          {
            type: "tool_call",
            at: tick(),
            data: { callId: `call_${k}`, tool: "add", args: { a: k, b: 1 }, source: "model" },
          },
          {
            type: "tool_result",
            at: tick(),
            data: { callId: `call_${k}`, tool: "add", result: k + 1 },
          },
          { type: "error", at: tick(), data: { code: "model_reply", message: "again" } },
        );
      }
      thread = await stack.deps.store.append(
        thread,
        events,
        deriveHead([...thread.events, ...events]),
      );
    }
    return thread;
  }
});
