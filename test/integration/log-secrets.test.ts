import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../functions/api/webhooks.ts";
import { logger } from "../../functions/logger.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack } from "./local-stack.ts";

const API_KEY = "api-key-do-not-log-7f3a9c";
const HOOK_SECRET = "hook-secret-do-not-log-91bd";
let stack: LocalStack;
let captured = "";
// Powertools writes INFO to stdout and WARN/ERROR to stderr: capture both.
const streams = [process.stdout, process.stderr] as const;
const writes = streams.map((stream) => stream.write);

beforeAll(async () => {
  stack = await startTestStack({ apiKey: API_KEY, webhookSecrets: { ci: HOOK_SECRET } });
  logger.setLogLevel("DEBUG");
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      captured += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
      return true;
    }) as typeof stream.write;
  }
});
afterAll(async () => {
  await stack?.stop();
  streams.forEach((stream, i) => {
    stream.write = writes[i] as typeof stream.write;
  });
  logger.setLogLevel("SILENT");
});

describe("secrets never reach the logs", () => {
  it("keeps API keys and webhook secrets out of every log line", async () => {
    // Act: successful and failing requests with every kind of secret in play
    const api = client(stack, API_KEY);
    const { body } = await api.launch("calculator", "2 + 2");
    await api.waitFor(body.threadId, "done");
    await client(stack, `${API_KEY}-wrong`).launch("calculator", "1 + 1");
    const ts = String(Math.floor(Date.now() / 1000));
    const hook = JSON.stringify({ agent: "calculator", message: "3 + 3" });
    await api.request("POST", "/hooks/ci", hook, {
      "x-twelve-timestamp": ts,
      "x-twelve-signature": signWebhook(HOOK_SECRET, ts, hook),
    });
    // A failing step, so the worker's error path logs too.
    stack.deps.model = {
      next: async () => Promise.reject(new Error("model adapter bug")),
    };
    const failing = await api.launch("calculator", "5 + 5");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(failing.status).toBe(202);

    // Assess: logs were written, and none holds a secret
    expect(captured).toContain('"level":"INFO"');
    expect(captured).toContain("model adapter bug");
    for (const secret of [API_KEY, HOOK_SECRET]) expect(captured).not.toContain(secret);
  });
});
