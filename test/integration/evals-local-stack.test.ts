import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalCommand } from "../../infra/local/eval-cli.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { type DemoChatServer, startDemoChatServer } from "../browser/demo-chat-server.ts";
import { PromptReadingModel } from "../support/prompt-reading-model.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

/**
 * Issue 23's proof on the local stack (DynamoDB Local, fauxqs, the worker): threads recorded
 * through the OpenAI adapter and a Chat Completions server that reads the prompt, exported with
 * `twelve eval add`, replayed by `twelve eval run` with the same agents (pass) and a changed
 * prompt (fail, exit 1), and offline from cassettes; the stack's store is never written by a replay.
 */
const AGENTS = "test/fixtures/evals/agents.ts";
const KEY = "evals-local-key-0123456789";
let chat: DemoChatServer;
let stack: LocalStack;
let dir: string;
let dataset: string;
let fixture: typeof import("../fixtures/evals/agents.ts");
/** The fixture's tool runs once the threads were recorded: a replay of recorded tools adds none. */
let recordedToolRuns: number;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await evalCommand(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  chat = await startDemoChatServer(new PromptReadingModel());
  process.env.EVAL_CHAT_URL = chat.baseURL;
  fixture = await import("../fixtures/evals/agents.ts");
  stack = await startTestStack({ agents: fixture.agents, model: fixture.model, apiKey: KEY });
  dir = mkdtempSync(join(tmpdir(), "twelve-evals-local-"));
  dataset = join(dir, "calculator.jsonl");
  const api = client(stack, KEY);
  const plain = (await api.launch("calculator", "what is 6 * 7?")).body.threadId as string;
  const divided = (await api.launch("calculator", "what is (9 + 1) / 5?")).body.threadId as string;
  await api.waitFor(plain, "done");
  const waiting = await api.waitFor(divided, "waiting_for_approval");
  await api.respond(divided, { callId: waiting.pending?.callId, approved: true });
  await api.waitFor(divided, "done");
  process.env.AGENT_API_KEY = KEY;
  for (const thread of [plain, divided]) {
    expect((await run("add", dataset, "--thread", thread, "--url", stack.url)).code).toBe(0);
  }
  recordedToolRuns = fixture.toolRuns.count;
  expect(recordedToolRuns).toBeGreaterThan(0);
}, 60_000);

afterAll(async () => {
  delete process.env.AGENT_API_KEY;
  delete process.env.EVAL_PROMPT_SUFFIX;
  await stack?.stop();
  await chat?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("twelve eval on the local stack", () => {
  it("exports the threads as cases and passes them with the same agents, writing no store", async () => {
    expect(readFileSync(dataset, "utf8").trim().split("\n")).toHaveLength(2);
    const before = await storeSnapshot(stack);
    const result = await run("run", dataset, "--agents", AGENTS);
    expect(result.err).toBe("");
    expect(result.out).toContain("2/2 passed");
    expect(result.code).toBe(0);
    expect(await storeSnapshot(stack)).toEqual(before);
    expect(fixture.toolRuns.count).toBe(recordedToolRuns);
  });

  it("fails with a changed prompt, with a non-zero exit", async () => {
    process.env.EVAL_PROMPT_SUFFIX = "\nNever divide.";
    try {
      const result = await run("run", dataset, "--agents", AGENTS);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/diverged .*recorded divide\(\{"a":10,"b":5\}\)/);
      expect(fixture.toolRuns.count).toBe(recordedToolRuns);
    } finally {
      delete process.env.EVAL_PROMPT_SUFFIX;
    }
  });

  it("passes offline from cassettes once recorded", async () => {
    const cassettes = join(dir, "cassettes");
    expect(
      (await run("run", dataset, "--agents", AGENTS, "--cassettes", cassettes, "--record")).code,
    ).toBe(0);
    await chat.close();
    try {
      const offline = await run("run", dataset, "--agents", AGENTS, "--cassettes", cassettes);
      expect(offline.code).toBe(0);
      expect(offline.out).toContain("2/2 passed");
      // One request's cassette gone: that case fails closed, naming its line and step.
      rmSync(join(cassettes, readdirSync(cassettes).sort()[0] as string));
      const missing = await run("run", dataset, "--agents", AGENTS, "--cassettes", cassettes);
      expect(missing.code).toBe(1);
      expect(missing.out).toMatch(
        /^\S+\s+error .*calculator\.jsonl:[12] \(case [^)]+\), step [1-3]: no cassette for this model request/m,
      );
      expect(fixture.toolRuns.count).toBe(recordedToolRuns);
    } finally {
      chat = await startDemoChatServer(new PromptReadingModel());
    }
  });
});
