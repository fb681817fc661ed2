import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createHttpApi } from "../../functions/http/index.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

const refund = defineTool({
  name: "refund",
  description: "Refund an order",
  input: z.object({ orderId: z.string() }),
  kind: "approval",
  approvalTimeoutMs: 60_000,
  run: ({ orderId }) => `refunded ${orderId}`,
});
const refunds = defineAgent({ name: "refunds", prompt: "p", tools: [refund, doneForNow] });

const json = { "content-type": "application/json" };

describe("Function: createHttpApi", () => {
  it("runs a launch's steps in process, in the background, and idle() waits for them", async () => {
    const model = new ScriptedModel([call("done_for_now", { message: "hi" })]);
    const api = createHttpApi({ agents: [refunds], model });
    const launched = await api.fetch(
      new Request("http://localhost/threads", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ agent: "refunds", message: "hello" }),
      }),
    );
    expect(launched.status).toBe(202);
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();
    expect(await api.runner.get(threadId)).toMatchObject({ status: "done", output: "hi" });
  });

  it("rejects an approval past its timeout on the next request on its thread, and runs on", async () => {
    let now = Date.parse("2026-03-01T00:00:00Z");
    const model = new ScriptedModel([
      call("refund", { orderId: "A-1" }),
      call("done_for_now", { message: "not refunded" }),
    ]);
    const api = createHttpApi({ agents: [refunds], model, clock: { now: () => new Date(now) } });
    const launched = await api.fetch(
      new Request("http://localhost/threads", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ agent: "refunds", message: "refund A-1" }),
      }),
    );
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();
    const read = () => api.fetch(new Request(`http://localhost/threads/${threadId}`));
    expect(await (await read()).json()).toMatchObject({ status: "waiting_for_approval" });
    now += 59_000;
    expect(await (await read()).json()).toMatchObject({ status: "waiting_for_approval" });
    now += 2_000;
    await read();
    await api.idle();
    const thread = (await (await read()).json()) as {
      status: string;
      events: { type: string; by?: { principal: string } }[];
    };
    expect(thread.status).toBe("done");
    expect(thread.events.find((event) => event.type === "approval_decision")).toMatchObject({
      by: { principal: "approval-timeout", via: "api" },
    });
    model.assertDone();
  });

  it("refuses a body over the gateway's limit with 413, before the router", async () => {
    const api = createHttpApi({ agents: [refunds], model: new ScriptedModel([]) });
    const response = await api.fetch(
      new Request("http://localhost/threads", {
        method: "POST",
        body: new Uint8Array(10 * 1024 * 1024 + 1),
      }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });
});
