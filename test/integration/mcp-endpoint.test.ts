import { setTimeout as sleep } from "node:timers/promises";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startTestStack, storeSnapshot } from "./local-stack.ts";

// Twelve's own /mcp on the local stack (DynamoDB Local, fauxqs, pollers, the HTTP bridge),
// driven by the MCP SDK's client over real HTTP, with the demo model.
const KEYS = {
  admin: "admin-key-0123456789abcdef",
  reader: { key: "reader-key-0123456789abcdef", can: ["read" as const] },
};

let stack: LocalStack;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startTestStack({ apiKeys: KEYS });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stack?.stop();
});

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "integration-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
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

/** Reads the thread with get_thread until its status is one of `wanted` (at most 300 reads). */
async function readUntil(client: Client, threadId: unknown, wanted: string[]) {
  let last: Record<string, unknown> = {};
  for (let read = 0; read < 300; read++) {
    last = structured(await client.callTool({ name: "get_thread", arguments: { threadId } }));
    if (wanted.includes(last.status as string)) return last;
    await sleep(50);
  }
  throw new Error(`never ${wanted.join("|")}: ${JSON.stringify(last)}`);
}

describe("POST /mcp on the local stack", () => {
  it("lists the agents, launches the calculator, answers its approval and reads it to done", async () => {
    // Prepare
    const client = await connect(KEYS.admin);

    // Act
    const { tools } = await client.listTools();
    const launched = structured(
      await client.callTool({ name: "calculator", arguments: { message: "What is 6 / 3?" } }),
    );
    const waiting = await readUntil(client, launched.threadId, ["waiting_for_approval"]);
    const pending = waiting.pending as { callId: string; tool: string };
    structured(
      await client.callTool({
        name: "answer_thread",
        arguments: { threadId: launched.threadId, callId: pending.callId, approved: true },
      }),
    );
    const done = await readUntil(client, launched.threadId, ["done", "failed"]);

    // Assess
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["calculator", "deploybot", "get_thread"]));
    expect(names).toEqual(expect.arrayContaining(["answer_thread", "message_thread"]));
    expect(pending.tool).toBe("divide");
    expect(done).toMatchObject({ status: "done", agent: "calculator" });
    expect(done.output).toContain("2");
    const stored = await stack.deps.store.load(launched.threadId as string);
    expect(stored?.events[0]).toMatchObject({ by: { principal: "admin", via: "mcp" } });
  });

  it("shows a read-only key get_thread alone, and it launches nothing", async () => {
    const before = await storeSnapshot(stack);
    const reader = await connect(KEYS.reader.key);

    const { tools } = await reader.listTools();
    const launch = await reader
      .callTool({ name: "calculator", arguments: { message: "1 + 1" } })
      .then(
        (result) => result,
        (error: unknown) => error,
      );

    expect(tools.map((tool) => tool.name)).toEqual(["get_thread"]);
    expect(launch instanceof Error || (launch as { isError?: boolean }).isError).toBe(true);
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("answers 401 to a wrong bearer, over HTTP", async () => {
    const response = await fetch(`${stack.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: "Bearer not-a-key-0123456789",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
