import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { showEmailPage, submitEmailPage } from "../../functions/api/email/pages.ts";
import { Guard } from "../../functions/api/guard.ts";
import type { RouteContext } from "../../functions/api/route.ts";
import { FULL_SCOPE } from "../../functions/api/scopes.ts";
import { signLink } from "../../shared/channels/email/links.ts";
import { hashArgs } from "../../shared/core/hash.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import {
  call,
  MemoryThreadStore,
  ScriptedModel,
  steppingClock,
} from "../../shared/testing/index.ts";
import { runUntilIdle } from "../support/run.ts";

const SECRET = "0123456789abcdef0123456789abcdef";
const QUESTION = '<script>alert("x")</script> & more?';

/** A store with a thread that waits on `call_1`: a division to approve, or a question. */
async function waiting(kind: "approval" | "question") {
  const clock = steppingClock();
  const store = new MemoryThreadStore();
  const args = kind === "approval" ? { a: 8, b: 2 } : { message: QUESTION };
  const model = new ScriptedModel([
    call(kind === "approval" ? "divide" : "request_more_information", args),
  ]);
  const launched = launch({ agent: calculator, threadId: "thr_1", message: "8 / 2", clock });
  const { thread } = await runUntilIdle(launched, { agent: calculator, model, clock });
  await store.create({ thread, head: deriveHead(thread.events) });
  const deps = {
    store,
    clock: { now: () => new Date() },
    queue: { enqueue: async () => {} },
  } as unknown as RuntimeDeps;
  const token = (overrides: Record<string, unknown> = {}) =>
    signLink(SECRET, {
      kind,
      threadId: "thr_1",
      callId: "call_1",
      argsHash: hashArgs(args),
      recipient: "ops@example.com",
      expiresAt: Math.floor(Date.now() / 1000) + 600,
      ...overrides,
    });
  return { store, deps, token };
}

const contextOf = (deps: RuntimeDeps, t: string, body?: string, base64 = false): RouteContext => ({
  deps,
  event: {
    queryStringParameters: { t },
    headers: {},
    ...(body === undefined
      ? {}
      : { body: base64 ? Buffer.from(body).toString("base64") : body, isBase64Encoded: base64 }),
  } as unknown as APIGatewayProxyEventV2,
  principal: "anonymous",
  guard: new Guard("anonymous", FULL_SCOPE, new Logger({ logLevel: "SILENT" })),
  params: {},
  maxBodyBytes: 10_000,
  webhooks: undefined,
  consoleAssets: undefined,
});

describe("Function: showEmailPage", () => {
  beforeEach(() => vi.stubEnv("EMAIL_LINK_SECRET", SECRET));
  afterEach(() => vi.unstubAllEnvs());

  it("escapes what it shows and carries a CSP without script", async () => {
    const { deps, token } = await waiting("question");
    const answer = await showEmailPage(contextOf(deps, token()));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain("<script>");
    expect(answer.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more?");
    const csp = String(answer.headers?.["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("script-src");
    expect(answer.headers?.["cache-control"]).toBe("no-store");
    expect(answer.headers?.["referrer-policy"]).toBe("no-referrer");
  });

  it("is a 404 page when this deployment has no link key", async () => {
    vi.stubEnv("EMAIL_LINK_SECRET", "");
    const { deps, token } = await waiting("approval");
    const answer = await showEmailPage(contextOf(deps, token()));
    expect(answer.statusCode).toBe(404);
    expect(answer.headers?.["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("refuses a link for other arguments, another call, or the other kind, with a 409", async () => {
    const { deps, token } = await waiting("approval");
    for (const overrides of [
      { argsHash: hashArgs({ a: 8, b: 0 }) },
      { callId: "call_9" },
      { kind: "question" },
    ]) {
      expect((await showEmailPage(contextOf(deps, token(overrides)))).statusCode).toBe(409);
    }
    expect((await showEmailPage(contextOf(deps, token({ threadId: "thr_x" })))).statusCode).toBe(
      404,
    );
  });
});

describe("Function: submitEmailPage", () => {
  beforeEach(() => vi.stubEnv("EMAIL_LINK_SECRET", SECRET));
  afterEach(() => vi.unstubAllEnvs());

  it("takes a base64 form body, and binds the approval to the arguments shown", async () => {
    const { store, deps, token } = await waiting("approval");
    const answer = await submitEmailPage(
      contextOf(deps, token(), "decision=approve&comment=ok+then", true),
    );
    expect(answer.statusCode).toBe(200);
    const decision = (await store.load("thr_1"))?.events.at(-1);
    expect(decision).toMatchObject({
      type: "approval_decision",
      by: { principal: "ops@example.com", via: "email" },
      data: { callId: "call_1", approved: true, comment: "ok then" },
    });
  });

  it("refuses a form without a decision, and changes nothing", async () => {
    const { store, deps, token } = await waiting("approval");
    const before = (await store.load("thr_1"))?.events.length;
    expect((await submitEmailPage(contextOf(deps, token(), "comment=x"))).statusCode).toBe(400);
    expect((await submitEmailPage(contextOf(deps, token(), "decision=maybe"))).statusCode).toBe(
      400,
    );
    expect((await store.load("thr_1"))?.events.length).toBe(before);
  });
});
