import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports.ts";
import { type ConverseServer, startConverseServer, toolUseAnswer } from "../llm/converse-server.ts";
import { repoRoot } from "../support/repo.ts";

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/**
 * `twelve dev` serving the example agents with `AGENT_MODEL=bedrock:<id>` and nothing else about
 * a model: the calculator runs on the real Bedrock Runtime client, which the SDK's own
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points at a local Converse server. That server refuses the
 * forced tool choice (as the newest models do), so the run also goes through the fallback.
 */
describe("twelve dev on Bedrock (AGENT_MODEL=bedrock:<id>, a local Converse server)", () => {
  let converse: ConverseServer;
  let child: ChildProcess;
  let output = "";
  let base = "";
  let closed: Promise<unknown>;
  const dataDir = mkdtempSync(join(tmpdir(), "twelve-bedrock-dev-"));

  beforeAll(async () => {
    converse = await startConverseServer({ refuseForcedChoice: () => true });
    const ports = [await freePort(), await freePort(), await freePort()];
    child = spawn(
      process.execPath,
      ["infra/local/cli.ts", "dev", "--agents", "shared/examples/agents.ts"],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          PORT: String(ports[0]),
          DYNAMODB_PORT: String(ports[1]),
          SQS_PORT: String(ports[2]),
          TWELVE_DATA_DIR: dataDir,
          OPENAI_API_KEY: "",
          OPENAI_API_KEY_SECRET_ARN: "",
          AGENT_API_KEY: "",
          AGENT_MODEL: `bedrock:${MODEL}`,
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: converse.endpoint,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          POWERTOOLS_LOG_LEVEL: "SILENT",
        },
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    closed = new Promise((done) => child.once("close", done));
    base = `http://127.0.0.1:${ports[0]}`;
    for (let up = false; !up; ) {
      if (child.exitCode !== null) throw new Error(`the CLI exited early:\n${output}`);
      up = await fetch(`${base}/health`).then(
        (answer) => answer.ok,
        () => false,
      );
      if (!up) await sleep(200);
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
    await closed;
    await converse?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return (await answer.json()) as Record<string, unknown>;
  };

  /** Polls the thread until its status is `wanted`. */
  const waitFor = async (threadId: string, wanted: string) => {
    for (;;) {
      const thread = await api("GET", `/threads/${threadId}`);
      if (thread.status === wanted) return thread;
      if (thread.status === "failed") throw new Error(`failed: ${JSON.stringify(thread)}`);
      await sleep(100);
    }
  };

  it("launches the calculator, waits for the approval, and runs to done", {
    timeout: 60_000,
  }, async () => {
    // Prepare
    converse.enqueue(
      toolUseAnswer([["divide", { a: 10, b: 4 }]], { inputTokens: 900, outputTokens: 20 }),
      toolUseAnswer([["done_for_now", { message: "10 / 4 = 2.5" }]], {
        inputTokens: 100,
        outputTokens: 15,
        cacheReadInputTokens: 800,
      }),
    );

    // Act
    const { threadId } = (await api("POST", "/threads", {
      agent: "calculator",
      message: "What is 10 divided by 4?",
    })) as { threadId: string };
    const waiting = await waitFor(threadId, "waiting_for_approval");
    const pending = waiting.pending as { callId: string; tool: string };
    await api("POST", `/threads/${threadId}/responses`, { callId: pending.callId, approved: true });
    const done = await waitFor(threadId, "done");

    // Assess
    expect(pending.tool).toBe("divide");
    expect(done.output).toBe("10 / 4 = 2.5");
    const events = done.events as { type: string; data: Record<string, unknown> }[];
    const usages = events.flatMap((event) => (event.data.usage ? [event.data.usage] : []));
    expect(usages).toContainEqual({
      inputTokens: 900,
      outputTokens: 20,
      model: MODEL,
      provider: "bedrock",
    });
    expect(usages).toContainEqual({
      inputTokens: 900,
      outputTokens: 15,
      cacheReadTokens: 800,
      model: MODEL,
      provider: "bedrock",
    });
    // Forced first; refused once; `auto` from then on, remembered by the running process.
    const choices = converse.requests.map(
      (request) => (request.body.toolConfig as { toolChoice: unknown }).toolChoice,
    );
    expect(choices).toEqual([{ any: {} }, { auto: {} }, { auto: {} }]);
    expect(new Set(converse.requests.map((request) => request.modelId))).toEqual(new Set([MODEL]));
  });
});
