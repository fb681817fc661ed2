import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

describe("POST /threads/{id}/cancel", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  const cancel = (threadId: string, body?: unknown) =>
    api.request("POST", `/threads/${threadId}/cancel`, body);

  it("closes a pending approval; a second cancel changes nothing; a decision then is 409 thread_closed", async () => {
    const { body } = await api.launch("calculator", "What is (3 + 4) / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const cancelled = await cancel(body.threadId, { reason: "not needed any more" });
    expect(cancelled).toEqual({
      status: 202,
      body: { threadId: body.threadId, status: "cancelled" },
    });
    const read = (await api.get(body.threadId)).body;
    expect(read).toMatchObject({
      status: "cancelled",
      pending: null,
      version: waiting.version + 1,
    });
    expect(read.events.at(-1)).toMatchObject({
      type: "cancelled",
      data: { reason: "not needed any more" },
    });
    expect((await cancel(body.threadId)).status).toBe(202);
    expect((await api.get(body.threadId)).body.version).toBe(read.version);
    const late = await api.respond(body.threadId, {
      callId: waiting.pending?.callId,
      approved: true,
    });
    expect([late.status, late.body.error]).toEqual([
      409,
      expect.objectContaining({ code: "thread_closed", status: "cancelled" }),
    ]);
    const forkedAfter = await api.request("POST", `/threads/${body.threadId}/fork`);
    expect([forkedAfter.status, forkedAfter.body.error.code]).toEqual([409, "thread_closed"]);
    const forkedBefore = await api.request("POST", `/threads/${body.threadId}/fork`, {
      version: waiting.version,
    });
    expect(forkedBefore.body.status).toBe("waiting_for_approval");
    const listed = await api.request("GET", "/threads?status=cancelled");
    expect(listed.body.threads.map((t: { threadId: string }) => t.threadId)).toContain(
      body.threadId,
    );
  });

  it("stops a running thread: after the cancellation only what a step in flight ran is kept", async () => {
    const { body } = await api.launch("calculator", "1 + 2 * 3 - 4 + 5 * 6");
    expect((await cancel(body.threadId)).status).toBe(202);
    // Give a step in flight, and a redelivery of it, time to try their appends.
    await sleep(2_500);
    const read = (await api.get(body.threadId)).body;
    expect(read.status).toBe("cancelled");
    // A step that lost its append to the cancel keeps the result of a tool it ran (never hides a
    // side effect); nothing else (no model turn, no new call) follows the cancellation.
    const types: string[] = read.events.map((e: { type: string }) => e.type);
    const late = types.slice(types.indexOf("cancelled") + 1);
    expect(late.filter((type) => type !== "tool_result" && type !== "error")).toEqual([]);
    expect(types.filter((type) => type === "cancelled")).toHaveLength(1);
  });

  it("refuses a done thread with 409 thread_closed, changing nothing", async () => {
    const { body } = await api.launch("calculator", "What is 3 + 4?");
    await api.waitFor(body.threadId, "done");
    const before = await storeSnapshot(stack);
    const refused = await cancel(body.threadId);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "thread_closed", status: "done" });
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("answers 404 for an unknown thread and 400 for a bad body, changing nothing", async () => {
    const { body } = await api.launch("calculator", "What is (1 + 1) / 2?");
    await api.waitFor(body.threadId, "waiting_for_approval");
    const before = await storeSnapshot(stack);
    const unknown = await cancel("thr_unknown");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "thread_not_found"]);
    for (const bad of [{ reason: 5 }, { reason: "" }, { why: "x" }, "[1]"]) {
      const refused = await cancel(body.threadId, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    const notJson = await cancel(body.threadId, "{not json");
    expect([notJson.status, notJson.body.error.code]).toEqual([400, "invalid_json"]);
    expect(await storeSnapshot(stack)).toEqual(before);
  });
});
