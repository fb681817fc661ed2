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
/** Deduplicates on the idempotency key and counts each run of `add` (a side effect) per key. */
const server = new FakeMcpServer({
  dedupe: true,
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
/**
 * Threads launched at once with their `add` in flight when the stack is killed: as many as the
 * local stack runs steps at once (4 pollers), so none waits behind a held call until it times out.
 */
const THREADS = 4;

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

interface ThreadShown {
  status: string;
  output: string | null;
  pending: { callId: string; kind: string } | null;
  events: { type: string; data: { code?: string; message?: string } }[];
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function launchAll(url: string, agent: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const launched = await post(`${url}/threads`, { agent, message: "go" });
    ids.push(((await launched.json()) as { threadId: string }).threadId);
  }
  return ids;
}

/** The threads once each has `status` (polled up to two minutes). */
async function untilAll(url: string, ids: string[], status: string): Promise<ThreadShown[]> {
  const deadline = Date.now() + 120_000;
  let threads: ThreadShown[] = [];
  while (Date.now() < deadline) {
    threads = await Promise.all(
      ids.map(async (id) => (await (await fetch(`${url}/threads/${id}`)).json()) as ThreadShown),
    );
    if (threads.every((thread) => thread.status === status)) break;
    await sleep(250);
  }
  expect(threads.map((thread) => thread.status)).toEqual(ids.map(() => status));
  return threads;
}

/** Waits until `count` more calls than `before` reached the server: all of them in flight. */
async function inFlight(before: number, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (server.calls.length < before + count && Date.now() < deadline) await sleep(100);
  expect(server.calls).toHaveLength(before + count);
}

/** kill -9 of the whole stack, with `between` done while it is down, then a start on its data. */
async function killAndRestart(ports: typeof used & object, between: () => Promise<void>) {
  killGroup();
  await portsFreed(ports);
  await between();
  await start(ports);
}

/** A thread's errors as `code: message`. */
const errorsOf = (thread: ThreadShown): string[] =>
  thread.events.flatMap((event) =>
    event.type === "error" ? [`${event.data.code}: ${event.data.message}`] : [],
  );

/** Every call a thread made reached the server under one key, `<thread>:call_2`, and ran once. */
function expectOneEffectEach(ids: string[], threads: ThreadShown[]) {
  for (const [i, id] of ids.entries()) {
    const keys = server.calls
      .map((call) => String(call.meta[IDEMPOTENCY_META_KEY]))
      .filter((key) => key.startsWith(`${id}:`));
    expect(new Set(keys)).toEqual(new Set([`${id}:call_2`]));
    expect(server.effects.get(`${id}:call_2`)).toBe(1);
    const results = threads[i]?.events.filter((event) => event.type === "tool_result");
    expect(results).toHaveLength(1);
  }
}

describe("twelve dev, agents whose tools are MCP servers', killed -9 with calls in flight", () => {
  let url = "";
  let ports = { port: 0, dynamo: 0, sqs: 0 };

  it("runs an agent whose server is a stdio child process to done", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    await server.start();
    ports = { port: await freePort(), dynamo: await freePort(), sqs: await freePort() };
    used = ports;
    await start(ports);
    url = `http://127.0.0.1:${ports.port}`;

    // Act
    const [threadId = ""] = await launchAll(url, "mcp-stdio", 1);

    // Assess
    const [thread] = await untilAll(url, [threadId], "done");
    expect(thread?.output).toBe("2 * 3 = 6");
  });

  it("runs each call again after a restart with the server up: one side effect, one result each", {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const ids = await launchAll(url, "mcp-math", THREADS);
    await inFlight(0, THREADS);

    // Act: kill -9 while every add is in flight; the server finishes them; start again
    await killAndRestart(ports, async () => {
      hold = false;
      for (const release of waiting.splice(0)) release();
    });

    // Assess: at least once at the server, exactly once in effect (it deduplicates on the key)
    const threads = await untilAll(url, ids, "done");
    expect(threads.map((thread) => thread.output)).toEqual(ids.map(() => "2 + 3 = 5"));
    expect(server.calls.length).toBeGreaterThan(THREADS);
    expect(threads.flatMap((thread) => errorsOf(thread))).toEqual([]);
    expectOneEffectEach(ids, threads);
  });

  it("keeps each call owed through a restart with the server down, and runs it once when it is back", {
    timeout: 240_000,
  }, async () => {
    // Prepare
    hold = true;
    const before = server.calls.length;
    const ids = await launchAll(url, "mcp-math", THREADS);
    await inFlight(before, THREADS);

    // Act: kill -9 with the calls in flight; the server finishes them and goes down; start again
    await killAndRestart(ports, async () => {
      hold = false;
      for (const release of waiting.splice(0)) release();
      await server.stop();
    });
    // Three strikes each ask a person; the server comes back; a person replies to each
    const escalated = await untilAll(url, ids, "waiting_for_human");
    await server.start();
    for (const [i, id] of ids.entries()) {
      const callId = escalated[i]?.pending?.callId;
      const replied = await post(`${url}/threads/${id}/responses`, { callId, response: "back" });
      expect(replied.status).toBe(202);
    }

    // Assess: no call closed as failed and made again under a new id (a second side effect)
    const threads = await untilAll(url, ids, "done");
    for (const thread of threads) {
      expect(errorsOf(thread).map((error) => error.split(":")[0])).toEqual([
        "tools_unavailable",
        "tools_unavailable",
        "tools_unavailable",
      ]);
    }
    expectOneEffectEach(ids, threads);
  });
});
