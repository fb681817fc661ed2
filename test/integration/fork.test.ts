import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

describe("POST /threads/{id}/fork", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  const fork = (threadId: string, body?: unknown, headers: Record<string, string> = {}) =>
    api.request("POST", `/threads/${threadId}/fork`, body, headers);

  it("copies a thread at an approval request; the fork asks for it again and waits on that call", async () => {
    const { body } = await api.launch("calculator", "What is (3 + 4) / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const forked = await fork(body.threadId);
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({
      status: "waiting_for_approval",
      forkedFrom: { threadId: body.threadId, version: waiting.version },
    });
    const copy = (await api.get(forked.body.threadId)).body;
    expect(copy.events.slice(0, waiting.version)).toEqual(waiting.events);
    expect(copy.events.slice(waiting.version)).toEqual([
      {
        ...waiting.events.at(-1),
        at: expect.any(String),
        by: { principal: "anonymous", via: "api" },
      },
    ]);
    expect(copy.forkedFrom).toEqual({
      threadId: body.threadId,
      version: waiting.version,
      by: { principal: "anonymous", via: "api" },
    });
    expect(copy.pending).toEqual(waiting.pending);
    // Approving the fork leaves the original waiting.
    await api.respond(forked.body.threadId, { callId: waiting.pending?.callId, approved: true });
    expect((await api.waitFor(forked.body.threadId, "done")).output).toBe("(3 + 4) / 2 = 3.5");
    expect((await api.get(body.threadId)).body.status).toBe("waiting_for_approval");
  });

  it("replays from an earlier version: a running fork is stepped", async () => {
    const { body } = await api.launch("calculator", "What is 3 + 4?");
    await api.waitFor(body.threadId, "done");
    const forked = await fork(body.threadId, { version: 1 });
    expect(forked.body).toMatchObject({ status: "running", forkedFrom: { version: 1 } });
    expect((await api.waitFor(forked.body.threadId, "done")).output).toBe("3 + 4 = 7");
  });

  it("answers a repeated Idempotency-Key with the first fork, and 422 for another request", async () => {
    const { body } = await api.launch("calculator", "What is 5 + 5?");
    await api.waitFor(body.threadId, "done");
    const key = { "idempotency-key": `fork-${Date.now()}` };
    const first = await fork(body.threadId, { version: 1 }, key);
    const again = await fork(body.threadId, { version: 1 }, key);
    expect(again.body.threadId).toBe(first.body.threadId);
    const other = await fork(body.threadId, { version: 2 }, key);
    expect([other.status, other.body.error.code]).toEqual([422, "idempotency_key_reused"]);
  });

  it("refuses a version outside 1..latest, a bad body and an unknown thread, changing nothing", async () => {
    const { body } = await api.launch("calculator", "What is 2 + 2?");
    const done = await api.waitFor(body.threadId, "done");
    const before = await storeSnapshot(stack);
    const beyond = await fork(body.threadId, { version: done.version + 1 });
    expect([beyond.status, beyond.body.error.code]).toEqual([400, "invalid_version"]);
    for (const bad of [{ version: 0 }, { version: 1.5 }, { version: "1" }, { from: 1 }]) {
      const refused = await fork(body.threadId, bad);
      expect([refused.status, refused.body.error.code], JSON.stringify(bad)).toEqual([
        400,
        "invalid_body",
      ]);
    }
    const unknown = await fork("thr_unknown");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "thread_not_found"]);
    expect(await storeSnapshot(stack)).toEqual(before);
  });
});
