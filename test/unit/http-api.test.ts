import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createHttpApi } from "../../functions/http/index.ts";
import { threadOfRequest } from "../../functions/http/thread-of-request.ts";
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

describe("Function: threadOfRequest", () => {
  const event = (rawPath: string, body?: unknown, isBase64Encoded = false) =>
    ({
      rawPath,
      isBase64Encoded,
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    }) as APIGatewayProxyEventV2;
  const toolCall = (name: string, args: unknown) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name, arguments: args },
  });

  it("names the thread of a /threads/{id} path and of an MCP thread tool's call", () => {
    expect(threadOfRequest(event("/threads/thr_1/responses"), 1024)).toBe("thr_1");
    for (const tool of ["get_thread", "answer_thread", "message_thread"]) {
      expect(threadOfRequest(event("/mcp", toolCall(tool, { threadId: "thr_2" })), 1024)).toBe(
        "thr_2",
      );
    }
  });

  it("names none for other MCP messages and for a body the route refuses", () => {
    const named = toolCall("get_thread", { threadId: "thr_2" });
    for (const [path, body, base64, limit] of [
      ["/mcp", toolCall("refunds", { message: "hi", threadId: "thr_2" }), false, 1024],
      ["/mcp", { ...named, method: "tools/list" }, false, 1024],
      ["/mcp", toolCall("get_thread", { threadId: 7 }), false, 1024],
      ["/mcp", toolCall("get_thread", { threadId: "not a thread id!" }), false, 1024],
      ["/mcp", "{not json", false, 1024],
      ["/mcp", "null", false, 1024],
      ["/mcp", named, true, 1024],
      ["/mcp", named, false, 10],
      ["/threads", named, false, 1024],
    ] as const) {
      expect(threadOfRequest(event(path, body, base64), limit), JSON.stringify(body)).toBe(
        undefined,
      );
    }
  });
});
