import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports.ts";
import { repoRoot } from "../support/repo.ts";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/**
 * `node infra/local/cli.ts dev` with the example agents on free ports and a fresh data
 * directory, WITHOUT POWERTOOLS_LOG_LEVEL (as a user's shell has it); runs one calculator thread
 * to done (its end is delivered to no channel, an INFO line of the notify handler) and returns
 * everything the CLI printed.
 */
async function runOneThread(flags: string[]): Promise<string> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "twelve-cli-output-"));
  const { POWERTOOLS_LOG_LEVEL: _, npm_lifecycle_event: __, ...env } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    ["infra/local/cli.ts", "dev", "--agents", "shared/examples/agents.ts", ...flags],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        PORT: String(ports[0]),
        DYNAMODB_PORT: String(ports[1]),
        SQS_PORT: String(ports[2]),
        TWELVE_DATA_DIR: dataDir,
        OPENAI_API_KEY: "",
        AGENT_API_KEY: "",
      },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const closed = new Promise((done) => child.once("close", done));
  stops.push(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await closed;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const base = `http://127.0.0.1:${ports[0]}`;
  for (let up = false; !up; ) {
    if (child.exitCode !== null) throw new Error(`the CLI exited early:\n${output}`);
    up = await fetch(`${base}/health`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (!up) await sleep(200);
  }
  const launched = await fetch(`${base}/threads`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent: "calculator", message: "What is 2 + 3?" }),
  });
  const { threadId } = (await launched.json()) as { threadId: string };
  const status = async () =>
    ((await (await fetch(`${base}/threads/${threadId}`)).json()) as { status: string }).status;
  while ((await status()) !== "done") await sleep(100);
  // The notice of its end goes through the local bus to the notify handler after the append.
  await sleep(1_000);
  child.kill("SIGTERM");
  await closed;
  return output;
}

const infoLines = (output: string) =>
  output.split("\n").filter((line) => /"level":"INFO"/.test(line));

describe("twelve dev's output", () => {
  it("is quiet by default: the banner and the step lines, no Powertools INFO line", {
    timeout: 120_000,
  }, async () => {
    // Act
    const output = await runOneThread([]);

    // Assess
    expect(output).toContain("Twelve is running at");
    // Each agent's model, and which step of the model rule chose it.
    expect(output).toMatch(
      /^ {2}models: {3}calculator {2}DemoModel \(NOT an LLM\): set OPENAI_API_KEY to use a real model {2}\(the agents module's model\)$/m,
    );
    expect(output).toMatch(/^ {12}deploybot {3}DemoModel .+ {2}\(the agents module's model\)$/m);
    expect(output).toMatch(/^twelve: step calculator thr_\S+ v2 tool=done_for_now /m);
    expect(infoLines(output)).toEqual([]);
  });

  it("with --verbose also prints the handlers' INFO lines", { timeout: 120_000 }, async () => {
    // Act
    const output = await runOneThread(["--verbose"]);

    // Assess
    expect(infoLines(output).length).toBeGreaterThan(0);
  });
});
