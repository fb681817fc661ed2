import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { freePort } from "../../infra/local/ports.ts";
import { IDEMPOTENCY_META_KEY } from "../../shared/mcp/index.ts";
import { FakeMcpServer } from "../llm/mcp-server.ts";
import { listeningOn } from "./sockets.ts";

const root = join(import.meta.dirname, "..", "..");
const dataDir = mkdtempSync(join(tmpdir(), "twelve-mcp-dev-"));
let child: ChildProcess | undefined;
let used: { port: number; dynamo: number; sqs: number } | undefined;

/** While set, `add` never answers: the call stays in flight. */
let hold = true;
const waiting: (() => void)[] = [];
const server = new FakeMcpServer({
  tools: [
    {
      name: "add",
      input: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => {
        const sum = String(Number(a) + Number(b));
        if (!hold) return sum;
        return new Promise<string>((resolve) => waiting.push(() => resolve(sum)));
      },
    },
  ],
});

/** `twelve dev` with the MCP agents module, in its own process group (kill -9 takes it all). */
async function start(ports: { port: number; dynamo: number; sqs: number }) {
  child = spawn(
    process.execPath,
    ["infra/local/cli.ts", "dev", "--agents", "test/integration/mcp-dev-agents.ts"],
    {
      cwd: root,
      detached: true,
      stdio: "ignore",
      env: {
        ...process.env,
        PORT: String(ports.port),
        DYNAMODB_PORT: String(ports.dynamo),
        SQS_PORT: String(ports.sqs),
        TWELVE_DATA_DIR: dataDir,
        OPENAI_API_KEY: "",
        AGENT_API_KEY: "",
        POWERTOOLS_LOG_LEVEL: "SILENT",
        MATH_MCP_URL: server.url,
      },
    },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${ports.port}/health`)).ok) return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error("the local stack did not start");
}

function killGroup() {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function portsFreed(ports: { port: number; dynamo: number; sqs: number }) {
  const deadline = Date.now() + 15_000;
  const busy = () => [ports.port, ports.dynamo, ports.sqs].filter((p) => listeningOn(p).length);
  while (busy().length > 0 && Date.now() < deadline) await sleep(100);
  expect(busy()).toEqual([]);
}

afterAll(async () => {
  killGroup();
  if (used) await portsFreed(used);
  for (const release of waiting.splice(0)) release();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("twelve dev, an agent whose tool is an MCP server's, killed -9 with the call in flight", () => {
  it("runs the call again after the restart with the same idempotency key, and finishes once", {
    timeout: 240_000,
  }, async () => {
    // Prepare
    await server.start();
    const ports = { port: await freePort(), dynamo: await freePort(), sqs: await freePort() };
    used = ports;
    await start(ports);
    const url = `http://127.0.0.1:${ports.port}`;
    const launched = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "mcp-math", message: "2 + 3?" }),
    });
    const { threadId } = (await launched.json()) as { threadId: string };
    const inFlight = Date.now() + 60_000;
    while (server.calls.length === 0 && Date.now() < inFlight) await sleep(100);
    expect(server.calls).toHaveLength(1);

    // Act: kill -9 while add is in flight, then start again on the same data
    killGroup();
    await portsFreed(ports);
    hold = false;
    for (const release of waiting.splice(0)) release();
    await start(ports);

    // Assess
    const deadline = Date.now() + 120_000;
    let thread = {
      status: "running",
      output: null as string | null,
      events: [] as { type: string }[],
    };
    while (Date.now() < deadline) {
      thread = (await (await fetch(`${url}/threads/${threadId}`)).json()) as typeof thread;
      if (thread.status === "done") break;
      await sleep(250);
    }
    expect(thread.status).toBe("done");
    expect(thread.output).toBe("2 + 3 = 5");
    // At least once: the call ran again, with the key the server deduplicates on; one result.
    const keys = server.calls.map((call) => call.meta[IDEMPOTENCY_META_KEY]);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys)).toEqual(new Set([`${threadId}:call_2`]));
    expect(thread.events.filter((event) => event.type === "tool_result")).toHaveLength(1);
  });
});
