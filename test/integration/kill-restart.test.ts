import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports.ts";
import { listeningOn } from "./sockets.ts";

const root = join(import.meta.dirname, "..", "..");
const dataDir = mkdtempSync(join(tmpdir(), "twelve-kill-"));
const payloadDataDir = mkdtempSync(join(tmpdir(), "twelve-kill-payloads-"));
let child: ChildProcess | undefined;

/**
 * `npm start`'s entry point in its own process group, so kill -9 of the group takes every node
 * process with it; DynamoDB Local (a process group of its own) exits when its stdin closes.
 */
async function start(
  ports: { port: number; dynamo: number; sqs: number },
  env: Record<string, string> = {},
) {
  child = spawn(
    process.execPath,
    ["infra/local/cli.ts", "dev", "--agents", "shared/examples/agents.ts"],
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
        ...env,
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

function killGroup(signal: NodeJS.Signals) {
  if (child?.pid) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Waits until nothing listens on these ports: the killed stack, DynamoDB Local too, is gone. */
async function portsFreed(ports: { port: number; dynamo: number; sqs: number }) {
  const deadline = Date.now() + 15_000;
  const busy = () => [ports.port, ports.dynamo, ports.sqs].filter((p) => listeningOn(p).length);
  while (busy().length > 0 && Date.now() < deadline) await sleep(100);
  expect(busy()).toEqual([]);
}

let used: { port: number; dynamo: number; sqs: number } | undefined;

type DeployEvent = { type: string; data: { callId?: string; tool?: string; message?: string } };
type DeployThread = {
  status: string;
  output?: string;
  pending?: { callId: string };
  events: DeployEvent[];
};

/** The thread once it is done (or as it stands after 30 s). */
async function waitDone(
  threadOf: (id: string) => Promise<DeployThread>,
  id: string,
): Promise<DeployThread> {
  let thread = await threadOf(id);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    if (thread.status !== "running") return thread;
    thread = await threadOf(id);
  }
  return thread;
}

afterAll(async () => {
  killGroup("SIGKILL");
  if (used) await portsFreed(used);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(payloadDataDir, { recursive: true, force: true });
});

describe("kill -9 (or Ctrl-C) of the whole local stack", () => {
  // Ctrl-C in a terminal sends SIGINT to the whole foreground process group, as here
  for (const signal of ["SIGKILL", "SIGINT"] as const) {
    it(`${signal}: loses no thread and no queued message: after a restart every thread finishes`, {
      timeout: 180_000,
    }, async () => {
      // Prepare: a stack left by the case before is gone first
      killGroup("SIGKILL");
      if (used) await portsFreed(used);
      const ports = { port: await freePort(), dynamo: await freePort(), sqs: await freePort() };
      used = ports;
      await start(ports);
      const url = `http://127.0.0.1:${ports.port}`;
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const threadOf = async (id: string) =>
        (await (await fetch(`${url}/threads/${id}`)).json()) as DeployThread;
      const pendingOf = async (id: string) => {
        for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
          const thread = await threadOf(id);
          if (thread.status === "waiting_for_approval") return thread.pending?.callId;
        }
        throw new Error(`${id} did not ask for its approval`);
      };
      const launchDeploy = async () => {
        const launched = await post("/threads", {
          agent: "deploybot",
          message: "Deploy v1.1.0 to the backend",
        });
        return ((await launched.json()) as { threadId: string }).threadId;
      };
      // Four deploy bots wait for their approval, to be given just before the kill
      const approved = await Promise.all(Array.from({ length: 4 }, launchDeploy));
      const calls = await Promise.all(approved.map(pendingOf));
      const ids = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const response = await fetch(`${url}/threads`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ agent: "calculator", message: `${i} + 1 * 2 - 3` }),
          });
          return ((await response.json()) as { threadId: string }).threadId;
        }),
      );
      // Two more, behind the calculators' steps, are sent a message while their first step
      // waits or runs (it waits beside the thread): the kill finds them before their decision
      const queued = await Promise.all(Array.from({ length: 2 }, launchDeploy));
      const queuedSent = await Promise.all(
        queued.map(async (threadId, i) => {
          const sent = await post(`/threads/${threadId}/messages`, {
            message: `Deploy v1.1.0 to the backend, please (${4 + i})`,
            ifRunning: "enqueue",
          });
          return sent.status;
        }),
      );
      expect(queuedSent).toEqual([202, 202]);
      const deploys = [...approved, ...queued];

      // Half of them are sent a message while they run (queued behind the step in flight)
      const sent = await Promise.all(
        ids.slice(0, 10).map(async (id, i) => {
          const response = await fetch(`${url}/threads/${id}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ message: `And ${i} * 2?`, ifRunning: "enqueue" }),
          });
          return response.status;
        }),
      );
      expect(sent).toEqual(ids.slice(0, 10).map(() => 202));

      const statusOf = async (id: string) =>
        ((await (await fetch(`${url}/threads/${id}`)).json()) as { status: string }).status;
      const before = await Promise.all(ids.map(statusOf));
      // Four approvals land just before the kill: their deployments run as it comes
      const decided = await Promise.all(
        approved.map(async (threadId, i) => {
          const answer = await post(`/threads/${threadId}/responses`, {
            callId: calls[i],
            approved: true,
          });
          return answer.status;
        }),
      );

      // Act: stop everything mid-flight, then start again on the same data
      killGroup(signal);
      expect(decided.every((status) => status < 300)).toBe(true);
      expect(before.filter((status) => status !== "done").length).toBeGreaterThan(0);
      await portsFreed(ports);
      await start(ports);
      // The two with a message get their approval after the restart
      for (const threadId of queued) {
        const callId = await pendingOf(threadId);
        calls.push(callId);
        const answer = await post(`/threads/${threadId}/responses`, { callId, approved: true });
        expect(answer.status).toBeLessThan(300);
      }

      // Assess
      const deadline = Date.now() + 60_000;
      let statuses: string[] = [];
      while (Date.now() < deadline) {
        statuses = await Promise.all(
          ids.map(
            async (id) =>
              ((await (await fetch(`${url}/threads/${id}`)).json()) as { status: string }).status,
          ),
        );
        if (statuses.every((status) => status === "done")) break;
        await sleep(250);
      }
      expect(statuses).toEqual(ids.map(() => "done"));
      for (const [i, id] of ids.entries()) {
        const thread = (await (await fetch(`${url}/threads/${id}`)).json()) as {
          output: string;
          events: unknown[];
        };
        if (i >= 10) {
          expect(thread.output).toBe(`${i} + 1 * 2 - 3 = ${i + 2 - 3}`);
          expect(thread.events).toHaveLength(9);
          continue;
        }
        // A message accepted with 202 survives the kill, once, and is answered
        const said = (thread.events as { type: string; data: { message?: string } }[]).filter(
          (event) => event.type === "user_message" && event.data.message === `And ${i} * 2?`,
        );
        expect([i, said.length, thread.output]).toEqual([i, 1, `${i} * 2 = ${i * 2}`]);
      }
      // Every deployment approved before the kill, or waiting through it, ran to its end: one
      // result per call, each decision and each message once
      for (const [i, threadId] of deploys.entries()) {
        const thread = await waitDone(threadOf, threadId);
        const count = (type: string, match: (data: DeployEvent["data"]) => boolean = () => true) =>
          thread.events.filter((event) => event.type === type && match(event.data)).length;
        // Every call but the terminal one (its end is `done`) has its result
        const callIds = thread.events.flatMap((e) =>
          e.type === "tool_call" && e.data.tool !== "done_for_now" ? [e.data.callId] : [],
        );
        expect({
          i,
          status: thread.status,
          output: thread.output,
          results: callIds.map((callId) => count("tool_result", (d) => d.callId === callId)),
          decisions: count("approval_decision", (d) => d.callId === calls[i]),
          messages: count(
            "user_message",
            (d) => d.message === `Deploy v1.1.0 to the backend, please (${i})`,
          ),
        }).toEqual({
          i,
          status: "done",
          output: "Deployed v1.1.0 to the backend.",
          results: callIds.map(() => 1),
          decisions: 1,
          messages: i < 4 ? 0 : 1,
        });
        expect(new Set(callIds).size).toBe(callIds.length);
      }
    });
  }
});

describe("kill -9 of the local stack right after large event data was written", () => {
  it("keeps every payload object the store acknowledged", { timeout: 180_000 }, async () => {
    // Prepare: every event's data goes to the payload bucket (a 1-byte threshold).
    const ports = { port: await freePort(), dynamo: await freePort(), sqs: await freePort() };
    used = ports;
    const large = { TWELVE_DATA_DIR: payloadDataDir, PAYLOAD_THRESHOLD_BYTES: "1" };
    await start(ports, large);
    const url = `http://127.0.0.1:${ports.port}`;
    // Too long for the item to keep beside its pointer: only the object holds it.
    const message = `40 + 2, ${"and nothing else ".repeat(20)}`;
    const launched = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "calculator", message }),
    });
    const { threadId } = (await launched.json()) as { threadId: string };
    let status = "running";
    while (status === "running") {
      status = ((await (await fetch(`${url}/threads/${threadId}`)).json()) as { status: string })
        .status;
      await sleep(100);
    }

    // Act: killed well within the 30 s a periodic copy would have waited
    killGroup("SIGKILL");
    await portsFreed(ports);
    await start(ports, large);

    // Assess
    const answer = await fetch(`${url}/threads/${threadId}`);
    const text = await answer.text();
    expect(answer.status).toBe(200);
    expect(text).not.toContain("data missing");
    expect(JSON.parse(text)).toMatchObject({
      status,
      events: expect.arrayContaining([
        expect.objectContaining({ type: "user_message", data: { message } }),
      ]),
    });
  });
});
