import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports.ts";
import { alive, childrenOf, type ListeningSocket, LOOPBACK, listeningOn } from "./sockets.ts";

const root = join(import.meta.dirname, "..", "..");
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Cli {
  child: ChildProcess;
  ports: number[];
  output: () => string;
  /** Resolves when the process has exited and every holder of its stdout has closed it. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `twelve dev` with the example agents on free fixed ports (the CLI takes PORT, DYNAMODB_PORT
 * and SQS_PORT), threads kept in a fresh directory, logging as `npm start` does (WARN), either as
 * `node infra/local/cli.ts` or through `npm start` (npm -> sh -> node). Resolves once /health
 * answers.
 */
async function startCli(via: "node" | "npm"): Promise<Cli> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "twelve-cli-"));
  const { npm_lifecycle_event: _, ...env } = process.env;
  const [command, args] =
    via === "npm"
      ? ["npm", ["start", "--silent"]]
      : [process.execPath, ["infra/local/cli.ts", "dev", "--agents", "shared/examples/agents.ts"]];
  const child = spawn(command as string, args as string[], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...env,
      PORT: String(ports[0]),
      DYNAMODB_PORT: String(ports[1]),
      SQS_PORT: String(ports[2]),
      TWELVE_DATA_DIR: dataDir,
      OPENAI_API_KEY: "",
      AGENT_API_KEY: "",
      POWERTOOLS_LOG_LEVEL: "WARN",
    },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("close", (code, signal) => done({ code, signal })),
  );
  cleanups.push(() => {
    for (const pid of [child.pid, ...processTree(child.pid).map((p) => p.pid)]) {
      try {
        if (pid) process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the CLI exited early:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${ports[0]}/health`)).ok) {
        return { child, ports, output: () => output, closed };
      }
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`the local stack did not start:\n${output}`);
}

/** Every descendant of `pid`, with its command name. */
function processTree(pid: number | undefined): { pid: number; command: string }[] {
  if (!pid) return [];
  return childrenOf(pid).flatMap((child) => [child, ...processTree(child.pid)]);
}

/** The DynamoDB Local JVM somewhere under `pid`. */
function javaUnder(pid: number | undefined): number {
  const java = processTree(pid).find((child) => child.command === "java");
  if (!java) throw new Error("no java process under the CLI");
  cleanups.push(() => {
    try {
      process.kill(java.pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  });
  return java.pid;
}

/** Launches threads so the workers are mid-step when the signal arrives. */
async function keepBusy(port: number) {
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      fetch(`http://127.0.0.1:${port}/threads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "calculator", message: `${i} + 1 * 2 - 3` }),
      }),
    ),
  );
}

async function until(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(100);
  return condition();
}

/**
 * The stack's listening sockets on its three ports. After it stops, the same sockets (the same
 * inodes) must be gone; another test's server may since have been given one of the port numbers.
 */
function socketsOf(cli: Cli): ListeningSocket[] {
  const sockets = cli.ports.flatMap(listeningOn);
  expect(new Set(sockets.map((socket) => socket.port))).toEqual(new Set(cli.ports));
  return sockets;
}
const stillListening = (sockets: ListeningSocket[]) =>
  sockets.flatMap((socket) => listeningOn(socket.port).filter((now) => now.inode === socket.inode));

const warnings = (output: string) =>
  output.split("\n").filter((line) => /warn|error|exception|^\s+at\s/i.test(line));

describe("twelve dev stops cleanly", () => {
  it("on SIGTERM: exits 0, says once that it stopped, no warnings, frees its ports, Java gone", {
    timeout: 120_000,
  }, async () => {
    // Prepare: a running stack, every port on loopback only, workers busy
    const cli = await startCli("node");
    const sockets = socketsOf(cli);
    for (const socket of sockets) expect(LOOPBACK).toContain(socket.address);
    const java = javaUnder(cli.child.pid);
    await keepBusy(cli.ports[0] as number);

    // Act
    cli.child.kill("SIGTERM");
    const exit = await cli.closed;

    // Assess
    expect(exit).toEqual({ code: 0, signal: null });
    expect(cli.output().match(/^twelve: stopped$/gm)).toHaveLength(1);
    expect(warnings(cli.output())).toEqual([]);
    expect(stillListening(sockets)).toEqual([]);
    expect(alive(java)).toBe(false);
  });

  it("on SIGTERM to npm start (npm -> sh -> node): stops the same way", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const cli = await startCli("npm");
    const sockets = socketsOf(cli);
    const java = javaUnder(cli.child.pid);
    await keepBusy(cli.ports[0] as number);

    // Act: npm passes the signal to its shell, which dies of it without passing it on
    cli.child.kill("SIGTERM");
    await cli.closed;

    // Assess
    expect(cli.output().match(/^twelve: stopped$/gm)).toHaveLength(1);
    expect(warnings(cli.output())).toEqual([]);
    expect(stillListening(sockets)).toEqual([]);
    expect(alive(java)).toBe(false);
  });

  it("on SIGKILL: DynamoDB Local exits by itself and frees its port", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const cli = await startCli("node");
    const sockets = socketsOf(cli);
    const java = javaUnder(cli.child.pid);

    // Act
    cli.child.kill("SIGKILL");
    await cli.closed;

    // Assess: the JVM sees its stdin close and exits
    expect(await until(() => !alive(java), 15_000)).toBe(true);
    expect(stillListening(sockets)).toEqual([]);
  });
});

describe("twelve dev, as npm start runs it", () => {
  it("prints one line per step: agent, thread, version, tool, outcome, duration, tokens", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const cli = await startCli("npm");
    const base = `http://127.0.0.1:${cli.ports[0]}`;

    // Act: a thread of two steps (the model's add saved; add run and the model done)
    const launched = await fetch(`${base}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "calculator", message: "What is 2 + 3?" }),
    });
    const { threadId } = (await launched.json()) as { threadId: string };
    const status = async () =>
      ((await (await fetch(`${base}/threads/${threadId}`)).json()) as { status: string }).status;
    const deadline = Date.now() + 30_000;
    while ((await status()) !== "done" && Date.now() < deadline) await sleep(100);
    const lines = () =>
      cli
        .output()
        .split("\n")
        .filter((line) => line.includes(` ${threadId} `));
    await until(() => lines().length >= 2, 5_000);

    // Assess
    expect(await status()).toBe("done");
    expect(lines()).toHaveLength(2);
    const [saved, ran] = lines();
    expect(saved).toMatch(
      new RegExp(
        `^twelve: step calculator ${threadId} v1 tool=add outcome=stepped \\d+ ms tokens=\\d+/\\d+$`,
      ),
    );
    expect(ran).toMatch(
      new RegExp(
        `^twelve: step calculator ${threadId} v2 tool=done_for_now outcome=stepped \\d+ ms tokens=\\d+/\\d+$`,
      ),
    );
    cli.child.kill("SIGTERM");
    await cli.closed;
  });
});
