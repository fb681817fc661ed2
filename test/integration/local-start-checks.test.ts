import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack } from "../../infra/local/stack.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";

/** A server holding a loopback port, as another running stack would. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0 };
}

describe("Function: startLocalStack (checks before it starts)", () => {
  let busy: { server: Server; port: number };
  // Three ports the OS handed out and that were let go: free, as far as anyone can know.
  let free: { server: Server; port: number }[];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    busy = await occupy();
    free = [await occupy(), await occupy(), await occupy()];
    for (const { server } of free) await new Promise((done) => server.close(done));
  });
  afterAll(() => {
    busy.server.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const freshDataDir = () => {
    const dataDir = mkdtempSync(join(tmpdir(), "twelve-fresh-"));
    dataDirs.push(dataDir);
    mkdirSync(join(dataDir, "dynamodb"));
    writeFileSync(join(dataDir, "dynamodb", "shared-local-instance.db"), "threads");
    return join(dataDir, "dynamodb");
  };

  const options = (dir: string) => ({
    agents,
    model: new DemoModel(),
    port: free[0]?.port ?? 0,
    dynamoPort: free[1]?.port ?? 0,
    sqsPort: free[2]?.port ?? 0,
    dataDir: dir,
    fresh: true,
  });

  it.each([
    ["DYNAMODB_PORT", { dynamoPort: 0 }],
    ["SQS_PORT", { sqsPort: 0 }],
    ["PORT", { port: 0 }],
  ] as const)("a --fresh start whose %s is busy deletes nothing", async (name, field) => {
    const dir = freshDataDir();
    const ports = Object.fromEntries(Object.keys(field).map((key) => [key, busy.port]));
    const start = startLocalStack({ ...options(dir), ...ports });
    await expect(start).rejects.toThrow(new RegExp(`port ${busy.port} is in use.*${name}`));
    expect(existsSync(join(dir, "shared-local-instance.db"))).toBe(true);
  });

  it("refuses a bad WEBHOOK_SECRETS in one line before anything starts or is deleted", async () => {
    const dir = freshDataDir();
    const saved = process.env.WEBHOOK_SECRETS;
    process.env.WEBHOOK_SECRETS = '{"github": "short"}';
    try {
      const start = startLocalStack(options(dir));
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(/^[^\n]*WEBHOOK_SECRETS[^\n]*$/);
    } finally {
      if (saved === undefined) delete process.env.WEBHOOK_SECRETS;
      else process.env.WEBHOOK_SECRETS = saved;
    }
    expect(existsSync(join(dir, "shared-local-instance.db"))).toBe(true);
  });

  it("refuses two agents with one name", async () => {
    const dir = freshDataDir();
    const start = startLocalStack({ ...options(dir), agents: [...agents, ...agents] });
    await expect(start).rejects.toThrow(/two agents are named "calculator"/);
    expect(existsSync(join(dir, "shared-local-instance.db"))).toBe(true);
  });
});
