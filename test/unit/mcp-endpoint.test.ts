import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { createHttpApi, type HttpApi } from "../../functions/http/index.ts";
import { logger } from "../../functions/logger.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow, requestMoreInformation } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

const refund = defineTool({
  name: "refund",
  description: "Refund an order",
  input: z.object({ orderId: z.string() }),
  kind: "approval",
  run: ({ orderId }) => `refunded ${orderId}`,
});
const refunds = defineAgent({ name: "refunds", prompt: "p", tools: [refund, doneForNow] });
const greeter = defineAgent({ name: "greeter", prompt: "p", tools: [doneForNow] });

const KEYS = {
  admin: "admin-key-0123456789",
  reader: { key: "reader-key-0123456789", can: ["read" as const] },
  greeters: { key: "greeters-key-0123456789", agents: ["greeter"] },
  talker: { key: "talker-key-0123456789", can: ["read" as const, "message" as const] },
};

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** The protocol revisions a client may speak: the SDK's default (2025) and the stateless 2026 one. */
type Era = "2025 (initialize)" | "2026-07-28";

/** The SDK's own client, over streamable HTTP, through the API's fetch handler. */
async function connect(
  api: HttpApi,
  key: string | undefined,
  era: Era = "2025 (initialize)",
): Promise<Client> {
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    era === "2026-07-28" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), {
    fetch: (url, init) => api.fetch(new Request(url, init)),
    ...(key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {}),
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** The structured answer of a tool call that must succeed. */
function structured(result: unknown): Record<string, unknown> {
  const { isError, structuredContent } = result as {
    isError?: boolean;
    structuredContent?: Record<string, unknown>;
  };
  expect(isError ?? false, JSON.stringify(result)).toBe(false);
  return structuredContent ?? {};
}

describe("POST /mcp", () => {
  it.each<Era>(["2025 (initialize)", "2026-07-28"])(
    "lists each agent as a tool, launches one, reads it to done (%s)",
    async (era) => {
      // Prepare
      const model = new ScriptedModel([call("done_for_now", { message: "hello there" })]);
      const api = createHttpApi({ agents: [refunds, greeter], model, apiKeys: KEYS });
      const client = await connect(api, KEYS.admin, era);

      // Act
      const { tools } = await client.listTools();
      const launched = structured(
        await client.callTool({ name: "greeter", arguments: { message: "hi" } }),
      );
      await api.idle();
      const read = structured(
        await client.callTool({ name: "get_thread", arguments: { threadId: launched.threadId } }),
      );

      // Assess
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "answer_thread",
        "get_thread",
        "greeter",
        "message_thread",
        "refunds",
      ]);
      const greeterTool = tools.find((tool) => tool.name === "greeter");
      expect(greeterTool?.inputSchema).toMatchObject({ required: ["message"] });
      expect(launched).toEqual({ threadId: expect.any(String), status: "running" });
      expect(read).toMatchObject({
        threadId: launched.threadId,
        agent: "greeter",
        status: "done",
        output: "hello there",
        pending: null,
      });
      const thread = await api.runner.get(launched.threadId as string);
      expect(thread.events[0]).toMatchObject({
        type: "user_message",
        data: { message: "hi" },
        by: { principal: "admin", via: "mcp" },
      });
    },
  );

  it.each<Era>(["2025 (initialize)", "2026-07-28"])(
    "answers an approval, and the thread runs to done (%s)",
    async (era) => {
      // Prepare
      const model = new ScriptedModel([
        call("refund", { orderId: "A-1" }),
        call("done_for_now", { message: "refunded A-1" }),
      ]);
      const api = createHttpApi({ agents: [refunds], model, apiKeys: { admin: KEYS.admin } });
      const client = await connect(api, KEYS.admin, era);
      const { threadId } = structured(
        await client.callTool({ name: "refunds", arguments: { message: "refund A-1" } }),
      );
      await api.idle();
      const waiting = structured(
        await client.callTool({ name: "get_thread", arguments: { threadId } }),
      );
      const pending = waiting.pending as { callId: string; kind: string; tool: string };

      // Act: an approval of other arguments than the pending ones is refused, then the right one
      const stale = await client.callTool({
        name: "answer_thread",
        arguments: { threadId, callId: pending.callId, approved: true, argsHash: "0".repeat(64) },
      });
      const answered = structured(
        await client.callTool({
          name: "answer_thread",
          arguments: {
            threadId,
            callId: pending.callId,
            approved: true,
            comment: "ok",
            argsHash: (waiting.pending as { argsHash: string }).argsHash,
          },
        }),
      );
      await api.idle();
      const done = structured(
        await client.callTool({ name: "get_thread", arguments: { threadId } }),
      );

      // Assess
      expect(stale.isError).toBe(true);
      expect(stale.structuredContent).toMatchObject({ error: { code: "not_pending" } });
      expect(waiting.status).toBe("waiting_for_approval");
      expect(pending).toMatchObject({ kind: "approval", tool: "refund" });
      expect(answered).toMatchObject({ threadId, status: "running" });
      expect(done).toMatchObject({ status: "done", output: "refunded A-1" });
      const again = await client.callTool({
        name: "answer_thread",
        arguments: { threadId, callId: pending.callId, approved: true },
      });
      expect(again.isError).toBe(true);
      expect(again.structuredContent).toMatchObject({ error: { code: "not_pending" } });
    },
  );

  it("rejects an approval past its timeout on the next MCP call on its thread, and runs on", async () => {
    // Prepare: an approval that times out after a minute, on the API's own clock
    let now = Date.parse("2026-03-01T00:00:00Z");
    const timed = defineTool({
      name: "refund",
      description: "Refund an order",
      input: z.object({ orderId: z.string() }),
      kind: "approval",
      approvalTimeoutMs: 60_000,
      run: ({ orderId }) => `refunded ${orderId}`,
    });
    const agent = defineAgent({ name: "refunds", prompt: "p", tools: [timed, doneForNow] });
    const model = new ScriptedModel([
      call("refund", { orderId: "A-1" }),
      call("done_for_now", { message: "not refunded" }),
    ]);
    const api = createHttpApi({
      agents: [agent],
      model,
      apiKeys: { admin: KEYS.admin },
      clock: { now: () => new Date(now) },
    });
    const client = await connect(api, KEYS.admin);
    const { threadId } = structured(
      await client.callTool({ name: "refunds", arguments: { message: "refund A-1" } }),
    );
    await api.idle();
    const read = async () =>
      structured(await client.callTool({ name: "get_thread", arguments: { threadId } }));
    const { pending } = (await read()) as { pending: { callId: string } };

    // Act: a read within the timeout, then one past it, then a late approval
    now += 59_000;
    const before = await read();
    now += 2_000;
    const after = await read();
    const late = await client.callTool({
      name: "answer_thread",
      arguments: { threadId, callId: pending.callId, approved: true },
    });
    await api.idle();

    // Assess: the read past the timeout found it rejected; the model went on to done
    expect(before).toMatchObject({ status: "waiting_for_approval" });
    // (its step runs in the background: it may be done already)
    expect(after).toMatchObject({
      status: expect.stringMatching(/^(running|done)$/),
      pending: null,
    });
    expect(late.structuredContent).toMatchObject({ error: { code: "not_pending" } });
    expect(await read()).toMatchObject({ status: "done", output: "not refunded" });
    const thread = await api.runner.get(threadId as string);
    expect(thread.events.find((event) => event.type === "approval_decision")).toMatchObject({
      data: { approved: false },
      by: { principal: "approval-timeout", via: "api" },
    });
    model.assertDone();
  });

  it("sends a thread its next message", async () => {
    const model = new ScriptedModel([
      call("done_for_now", { message: "first" }),
      call("done_for_now", { message: "second" }),
    ]);
    const api = createHttpApi({ agents: [greeter], model, apiKeys: { admin: KEYS.admin } });
    const client = await connect(api, KEYS.admin);
    const { threadId } = structured(
      await client.callTool({ name: "greeter", arguments: { message: "hi" } }),
    );
    await api.idle();

    const sent = structured(
      await client.callTool({ name: "message_thread", arguments: { threadId, message: "again" } }),
    );
    await api.idle();

    expect(sent).toMatchObject({ threadId });
    expect(await api.runner.get(threadId as string)).toMatchObject({
      status: "done",
      output: "second",
    });
  });

  it("shows a read-only key only get_thread, and refuses its calls of the others", async () => {
    const model = new ScriptedModel([]);
    const api = createHttpApi({ agents: [greeter], model, apiKeys: KEYS });
    const client = await connect(api, KEYS.reader.key);

    const { tools } = await client.listTools();
    const launch = await client.callTool({ name: "greeter", arguments: { message: "hi" } }).then(
      (result) => result,
      (error: unknown) => error,
    );

    expect(tools.map((tool) => tool.name)).toEqual(["get_thread"]);
    // Not listed, so not callable: a protocol error or an isError result, never a launch.
    expect(launch instanceof Error || (launch as { isError?: boolean }).isError).toBe(true);
    await api.idle();
    expect(model.calls).toHaveLength(0);
  });

  it("shows a key of some agents only those, and hides other agents' threads", async () => {
    const model = new ScriptedModel([call("refund", { orderId: "A-1" })]);
    const api = createHttpApi({ agents: [refunds, greeter], model, apiKeys: KEYS });
    const admin = await connect(api, KEYS.admin);
    const { threadId } = structured(
      await admin.callTool({ name: "refunds", arguments: { message: "refund A-1" } }),
    );
    await api.idle();
    const scoped = await connect(api, KEYS.greeters.key);

    const { tools } = await scoped.listTools();
    const read = await scoped.callTool({ name: "get_thread", arguments: { threadId } });

    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "answer_thread",
      "get_thread",
      "greeter",
      "message_thread",
    ]);
    expect(read.isError).toBe(true);
    expect(read.structuredContent).toEqual({
      error: {
        code: "forbidden",
        message: 'key "greeters" may not use agent "refunds" (it may: everything; agents: greeter)',
        missing: { agent: "refunds" },
      },
    });
  });

  it("refuses message_thread the answer to a question for a key that may not decide, and writes nothing", async () => {
    // Prepare: a thread that asks a person
    const asker = defineAgent({
      name: "asker",
      prompt: "p",
      tools: [requestMoreInformation, doneForNow],
    });
    const model = new ScriptedModel([call("request_more_information", { message: "which?" })]);
    const api = createHttpApi({ agents: [asker, greeter], model, apiKeys: KEYS });
    const admin = await connect(api, KEYS.admin);
    const { threadId } = structured(
      await admin.callTool({ name: "asker", arguments: { message: "help" } }),
    );
    await api.idle();
    const talker = await connect(api, KEYS.talker.key);

    // Act
    const sent = await talker.callTool({
      name: "message_thread",
      arguments: { threadId, message: "this one" },
    });
    const after = structured(
      await talker.callTool({ name: "get_thread", arguments: { threadId } }),
    );

    // Assess
    expect(sent.isError).toBe(true);
    expect(sent.structuredContent).toMatchObject({
      error: { code: "forbidden", missing: { verb: "decide" } },
    });
    expect(after).toMatchObject({ status: "waiting_for_human", version: 3 });
  });

  it("answers a failure of ours as an internal error result, telling nothing of it, and logs it", async () => {
    // Prepare: a store that fails as an unreachable database would
    class BrokenStore extends MemoryThreadStore {
      override async load(): Promise<never> {
        throw new Error("connect ECONNREFUSED 10.0.0.7:8000 (secret-table)");
      }
    }
    const error = vi.spyOn(logger, "error").mockImplementation(() => {});
    const api = createHttpApi({
      agents: [greeter],
      model: new ScriptedModel([]),
      store: new BrokenStore(),
    });
    const client = await connect(api, undefined);

    // Act
    const read = await client.callTool({ name: "get_thread", arguments: { threadId: "thr_x" } });

    // Assess
    expect(read.isError).toBe(true);
    expect(read.structuredContent).toEqual({
      error: { code: "internal", message: "internal error; the call may be retried" },
    });
    expect(JSON.stringify(read)).not.toContain("10.0.0.7");
    expect(error).toHaveBeenCalledWith("an MCP tool call failed", expect.anything());
    error.mockRestore();
  });

  it("lets a 2026-07-28 client keep the tool list five minutes, for itself alone", async () => {
    const api = createHttpApi({ agents: [greeter], model: new ScriptedModel([]) });
    const response = await api.fetch(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/list",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/list",
          params: {
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
              "io.modelcontextprotocol/clientCapabilities": {},
            },
          },
        }),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      result: { ttlMs: 300_000, cacheScope: "private", tools: expect.any(Array) },
    });
  });

  it("answers 401 to a request without a key or with a wrong one", async () => {
    const api = createHttpApi({ agents: [greeter], model: new ScriptedModel([]), apiKeys: KEYS });
    for (const key of [undefined, "wrong-key-0123456789"]) {
      const response = await api.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        }),
      );
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    await expect(connect(api, undefined)).rejects.toThrow();
  });

  describe("hostile bodies", () => {
    const KEY = "hostile-key-0123456789";
    const post = (api: HttpApi, body: string, headers: Record<string, string> = {}) =>
      api.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${KEY}`,
            ...headers,
          },
          body,
        }),
      );
    const list = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

    it.each<[string, string, Record<string, string>?]>([
      ["an empty body", ""],
      ["text that is not JSON", "not json"],
      ["a duplicate key", '{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"tools/list"}'],
      ["a number past a 64-bit float", '{"jsonrpc":"2.0","id":1e400,"method":"tools/list"}'],
      ["null", "null"],
      ["a number", "42"],
      ["an empty batch", "[]"],
      ["a batch of non-messages", "[1, 2]"],
      ["another JSON-RPC version", '{"jsonrpc":"1.0","id":1,"method":"tools/list"}'],
      ["a request without a method", '{"jsonrpc":"2.0","id":1}'],
      ["an object as id", '{"jsonrpc":"2.0","id":{},"method":"tools/call"}'],
      ["a __proto__ key", '{"jsonrpc":"2.0","id":1,"method":"tools/list","__proto__":{"x":1}}'],
      [
        "a body over the limit",
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x", params: { a: "a".repeat(70_000) } }),
      ],
      ["nesting past the limit", nested(40_000)],
      ["a text/plain body", list, { "content-type": "text/plain" }],
      ["an Accept without JSON", list, { accept: "text/html" }],
      [
        "a broken 2026 envelope",
        '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}',
      ],
    ])("answers %s with a 4xx JSON error", async (_case, body, headers) => {
      const model = new ScriptedModel([]);
      const api = createHttpApi({ agents: [greeter], model, apiKey: KEY });

      const response = await post(api, body, headers);

      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ error: { message: expect.any(String) } });
      await api.idle();
      expect(model.calls).toHaveLength(0);
    });

    it.each<[string, unknown]>([
      ["arguments that are not an object", "x"],
      ["an empty message", { message: "" }],
      ["metadata nested past 32 levels", { message: "x", metadata: { a: JSON.parse(nested(40)) } }],
    ])(
      "answers a tool call with %s as an error, never a 5xx, and launches nothing",
      async (_case, args) => {
        const model = new ScriptedModel([]);
        const api = createHttpApi({ agents: [greeter], model, apiKey: KEY });
        const body = JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "greeter", arguments: args },
        });

        const response = await post(api, body);
        const text = await response.text();

        expect(response.status).toBeLessThan(500);
        // A JSON-RPC error, or a tool result with isError (answered as one event or as JSON).
        expect(text).toMatch(/"error":\{"code":-32602|"isError":true/);
        await api.idle();
        expect(model.calls).toHaveLength(0);
      },
    );
  });
});
