import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { startLocalStack } from "../../infra/local/stack.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { add } from "../../shared/examples/calculator/tools.ts";
import { mcpServer } from "../../shared/mcp/index.ts";
import { FakeMcpServer } from "../llm/mcp-server.ts";

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

  // DynamoDB Local makes an empty file of that name when it starts: the contents tell it apart.
  const intact = (dir: string) =>
    existsSync(join(dir, "shared-local-instance.db")) &&
    readFileSync(join(dir, "shared-local-instance.db"), "utf8") === "threads";

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
    expect(intact(dir)).toBe(true);
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
    expect(intact(dir)).toBe(true);
  });

  const SLACK = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "signing-secret" };
  const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  it.each([
    // A channel without the token it posts with.
    ["SLACK_BOT_TOKEN", { SLACK_CHANNEL: "C0123" }],
    ["SLACK_API_URL", { ...SLACK, SLACK_API_URL: "notaurl" }],
    ["SLACK_CHANNELS", { ...SLACK, SLACK_CHANNELS: "x" }],
    ["SLACK_AGENT", { ...SLACK, SLACK_AGENT: "nope" }],
    ["SLACK_CHANNELS.nope", { ...SLACK, SLACK_CHANNELS: '{"calculator": "C1", "nope": "C2"}' }],
    [
      "APPROVER_EMAILS.nope",
      {
        APPROVER_EMAILS: '{"*": ["ops@example.com"], "nope": ["lead@example.com"]}',
        EMAIL_FROM: "twelve@example.com",
        EMAIL_LINK_SECRET: "l".repeat(32),
      },
    ],
    ["PAYLOAD_THRESHOLD_BYTES", { PAYLOAD_THRESHOLD_BYTES: "400000" }],
    ["THREAD_CACHE_MB", { THREAD_CACHE_MB: "-1" }],
    ["STEP_MAX_RECEIVES", { STEP_MAX_RECEIVES: "0" }],
    [
      "WEBHOOK_SOURCES.gh.launch.agent",
      {
        WEBHOOK_SOURCES: JSON.stringify({
          gh: {
            format: "github",
            secret: "s".repeat(16),
            launch: { agent: "nope", message: "{{a}}" },
          },
        }),
      },
    ],
    [
      "WEBHOOK_SOURCES.gh.launch.message",
      {
        WEBHOOK_SOURCES: JSON.stringify({
          gh: {
            format: "github",
            secret: "s".repeat(16),
            launch: { agent: "calculator", message: "{{a" },
          },
        }),
      },
    ],
    [
      "NOTIFY_WEBHOOKS.0.agents",
      {
        NOTIFY_WEBHOOKS: JSON.stringify([
          { url: "http://127.0.0.1:1/hook", secret: WHSEC, agents: ["calculator", "nope"] },
        ]),
      },
    ],
  ] as const)(
    "refuses a bad setting naming %s in one line, before anything starts or is deleted",
    async (name, env) => {
      const dir = freshDataDir();
      const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
      Object.assign(process.env, env);
      try {
        const start = startLocalStack(options(dir));
        await expect(start).rejects.toThrow(ConfigError);
        await expect(start).rejects.toThrow(
          new RegExp(`^[^\\n]*${name.replaceAll(".", "\\.")}: [^\\n]*$`),
        );
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
      expect(intact(dir)).toBe(true);
    },
  );

  it.each([
    ["PORT", "SQS_PORT", { port: 2 }],
    ["DYNAMODB_PORT", "SQS_PORT", { dynamoPort: 2 }],
    ["PORT", "DYNAMODB_PORT", { port: 1 }],
  ] as const)(
    "refuses %s equal to %s in one line, deleting nothing",
    async (first, second, same) => {
      const dir = freshDataDir();
      const ports = options(dir);
      const taken = [ports.port, ports.dynamoPort, ports.sqsPort];
      const shared = Object.fromEntries(
        Object.entries(same).map(([key, from]) => [key, taken[from] ?? 0]),
      );
      const start = startLocalStack({ ...ports, ...shared });
      await expect(start).rejects.toThrow(
        new RegExp(`^${first} and ${second} are both \\d+: [^\\n]*$`),
      );
      expect(intact(dir)).toBe(true);
    },
  );

  it("refuses a data directory another running stack holds, deleting nothing", async () => {
    const dir = freshDataDir();
    // The test runner's parent process is alive for as long as this test runs.
    writeFileSync(join(dir, "twelve.lock"), `${process.ppid}\n`);
    const start = startLocalStack(options(dir));
    await expect(start).rejects.toThrow(
      new RegExp(
        `^the data directory \\S+ is in use by another local stack \\(pid ${process.ppid}\\)[^\\n]*$`,
      ),
    );
    expect(intact(dir)).toBe(true);
  });

  it("refuses two agents with one name", async () => {
    const dir = freshDataDir();
    const start = startLocalStack({ ...options(dir), agents: [...agents, ...agents] });
    await expect(start).rejects.toThrow(/two agents are named "calculator"/);
    expect(intact(dir)).toBe(true);
  });

  it("refuses an MCP server's tool named as the agent's own, deleting nothing", async () => {
    const dir = freshDataDir();
    const server = await new FakeMcpServer({
      tools: [{ name: "add", input: z.object({}), run: () => "0" }],
    }).start();
    try {
      const clashing = defineAgent({
        name: "clash",
        prompt: "p",
        tools: [add, doneForNow],
        mcp: [mcpServer({ name: "math", url: server.url })],
      });
      const start = startLocalStack({ ...options(dir), agents: [clashing] });
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(
        /^agent "clash": MCP server "math" has a tool named "add", as one of the agent's own tools does: give mcpServer\(\{ name: "math" \}\) a prefix$/,
      );
      expect(intact(dir)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
