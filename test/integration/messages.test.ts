import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

describe("POST /threads/{id}/messages", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  const send = (threadId: string, body: unknown) =>
    api.request("POST", `/threads/${threadId}/messages`, body);

  it("runs a done thread again: the second turn of the conversation", async () => {
    const { body } = await api.launch("calculator", "What is 3 + 4?");
    expect((await api.waitFor(body.threadId, "done")).output).toBe("3 + 4 = 7");
    const next = await send(body.threadId, { message: "And 7 * 2?" });
    expect(next).toEqual({ status: 202, body: { threadId: body.threadId, status: "running" } });
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("7 * 2 = 14");
    expect(done.events.filter((e) => e.type === "user_message")).toHaveLength(2);
  });

  it("answers the question a thread waits on", async () => {
    const { body } = await api.launch("calculator", "add some numbers for me");
    const asked = await api.waitFor(body.threadId, "waiting_for_human");
    expect((await send(body.threadId, { message: "2 + 5" })).status).toBe(202);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("2 + 5 = 7");
    expect(done.events.find((e) => e.type === "human_response")?.data).toEqual({
      callId: asked.pending?.callId,
      response: "2 + 5",
    });
  });

  it("refuses a pending approval (approval_pending) and a cancelled thread, changing nothing", async () => {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const before = await storeSnapshot(stack);
    const pending = await send(body.threadId, { message: "please hurry" });
    expect(pending.status).toBe(409);
    expect(pending.body.error).toMatchObject({
      code: "approval_pending",
      callId: waiting.pending?.callId,
    });
    expect(await storeSnapshot(stack)).toEqual(before);
    await api.request("POST", `/threads/${body.threadId}/cancel`);
    const closed = await send(body.threadId, { message: "hello?" });
    expect([closed.status, closed.body.error.code]).toEqual([409, "thread_closed"]);
  });

  it("answers 404 for an unknown thread and 400 for a bad body, changing nothing", async () => {
    const { body } = await api.launch("calculator", "What is 1 + 1?");
    await api.waitFor(body.threadId, "done");
    const before = await storeSnapshot(stack);
    const unknown = await send("thr_unknown", { message: "hi" });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "thread_not_found"]);
    for (const bad of [
      {},
      { message: "" },
      { message: 5 },
      { message: "hi", ifRunning: "wait" },
      { message: "hi", extra: true },
    ]) {
      const refused = await send(body.threadId, bad);
      expect([refused.status, refused.body.error.code], JSON.stringify(bad)).toEqual([
        400,
        "invalid_body",
      ]);
    }
    expect(await storeSnapshot(stack)).toEqual(before);
  });
});
