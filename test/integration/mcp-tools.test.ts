import { defineAgent, doneForNow } from "twelve-agents";
import { IDEMPOTENCY_META_KEY, type McpServerSource, mcpServer } from "twelve-agents/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { Model } from "../../shared/core/ports.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { FakeMcpServer, type FakeTool } from "../llm/mcp-server.ts";
import { client, startTestStack } from "./local-stack.ts";

/** The calculator's arithmetic, served by an MCP server; divide is destructive (it waits). */
const arithmetic = (name: string, op: (a: number, b: number) => number): FakeTool => ({
  name,
  input: z.object({ a: z.number(), b: z.number() }),
  annotations: name === "divide" ? { destructiveHint: true } : { readOnlyHint: true },
  run: ({ a, b }) => String(op(Number(a), Number(b))),
});

describe("An agent whose tools come from an MCP server, on the local stack", () => {
  const server = new FakeMcpServer({
    tools: [arithmetic("add", (a, b) => a + b), arithmetic("divide", (a, b) => a / b)],
  });
  let source: McpServerSource;
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  /** The script the stack's model plays now (one thread at a time). */
  let script = new ScriptedModel([]);
  const playing: Model = { next: (request) => script.next(request) };

  beforeAll(async () => {
    await server.start();
    source = mcpServer({ name: "math", url: server.url, cacheTtlMs: 0 });
    const calculator = defineAgent({
      name: "mcp-calculator",
      prompt: "You are a careful calculator.",
      tools: [doneForNow],
      mcp: [source],
    });
    stack = await startTestStack({ agents: [calculator], model: playing });
    api = client(stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await source?.close();
    await server.close();
  });

  it("runs to done: add runs, divide waits for approval, each call carrying its key", async () => {
    // Prepare
    script = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("divide", { a: 7, b: 2 }),
      call("done_for_now", { message: "(3 + 4) / 2 = 3.5" }),
    ]);
    server.calls.length = 0;

    // Act
    const launched = await api.launch("mcp-calculator", "What is (3 + 4) / 2?");
    const threadId = launched.body.threadId as string;
    const waiting = await api.waitFor(threadId, "waiting_for_approval");
    const answered = await api.respond(threadId, {
      callId: waiting.pending?.callId,
      approved: true,
    });
    const done = await api.waitFor(threadId, "done");

    // Assess
    expect(waiting.pending).toMatchObject({ tool: "divide", args: { a: 7, b: 2 } });
    expect(answered.status).toBe(202);
    expect(done.output).toBe("(3 + 4) / 2 = 3.5");
    expect(server.calls.map((c) => [c.tool, c.meta[IDEMPOTENCY_META_KEY]])).toEqual([
      ["add", `${threadId}:call_2`],
      ["divide", `${threadId}:call_4`],
    ]);
    const toolSets = done.events.filter((event) => event.type === "tool_set");
    expect(toolSets).toHaveLength(1);
    expect(Object.keys(toolSets[0]?.data.tools as object)).toEqual([
      "add",
      "divide",
      "done_for_now",
    ]);
  });

  it("makes an outage error events and a question to a person; the thread recovers after", async () => {
    // Prepare
    script = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "1 + 2 = 3" }),
    ]);
    server.calls.length = 0;
    await server.stop();

    // Act: down
    const launched = await api.launch("mcp-calculator", "What is 1 + 2?");
    const threadId = launched.body.threadId as string;
    const escalated = await api.waitFor(threadId, "waiting_for_human");

    // Assess
    const codes = escalated.events.flatMap((event) =>
      event.type === "error" ? [event.data.code] : [],
    );
    expect(codes).toEqual(["tools_unavailable", "tools_unavailable", "tools_unavailable"]);
    expect(escalated.pending?.message).toContain('MCP server "math" did not answer');

    // Act: back
    await server.start();
    await api.respond(threadId, { callId: escalated.pending?.callId, response: "it is back" });
    const done = await api.waitFor(threadId, "done");

    // Assess
    expect(done.output).toBe("1 + 2 = 3");
    expect(server.calls).toHaveLength(1);
  });
});
