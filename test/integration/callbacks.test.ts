import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import type { ReceivedEvent } from "../../infra/local/eventbridge-server.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { ToolError } from "../../shared/core/tool-error.ts";
import { expireCallbacks } from "../../shared/runtime/callbacks.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { client, publishedNotice, startTestStack, storeSnapshot } from "./local-stack.ts";

/** What `start` was handed, by the ref it was asked to build. */
const started = new Map<string, { url: string; token: string; key: string }>();

const runCi = defineTool({
  name: "run_ci",
  description: "Run CI on a ref; CI posts the outcome to the callback URL.",
  input: z.object({ ref: z.string() }),
  kind: "callback",
  // Long for "main", so it waits; "stale" expires at once (the sweep closes it).
  timeoutMs: 3_600_000,
  result: z.object({ status: z.enum(["passed", "failed"]) }),
  start: ({ ref }, { callback, idempotencyKey }) => {
    started.set(ref, { url: callback.url, token: callback.token, key: idempotencyKey });
  },
});
const quickCi = defineTool({
  name: "quick_ci",
  description: "CI that must answer within a millisecond.",
  input: z.object({ ref: z.string() }),
  kind: "callback",
  timeoutMs: 1,
  start: ({ ref }, { callback, idempotencyKey }) => {
    started.set(ref, { url: callback.url, token: callback.token, key: idempotencyKey });
  },
});
let attempts = 0;
const flakyDeploy = defineTool({
  name: "deploy",
  description: "Deploy; the API answers 503 once.",
  input: z.object({ ref: z.string() }),
  kind: "approval",
  retry: { attempts: 3, backoff: 10 },
  run: ({ ref }, { idempotencyKey }) => {
    attempts++;
    if (attempts === 1) throw new ToolError("deploy API answered 503", { retryable: true });
    return { deployed: ref, key: idempotencyKey };
  },
});
const releaser = defineAgent({
  name: "releaser",
  prompt: "Release after CI passes.",
  tools: [runCi, quickCi, flakyDeploy, doneForNow],
});

/** What the stack logged (`twelve dev` prints the same lines). */
const logs: string[] = [];

const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** What an outbound webhook receiver took (`thread.waiting_for_callback` only), verified. */
const hooked: { type: string; data: { threadId: string; [key: string]: unknown } }[] = [];
const receiver: Server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on("end", () => {
    hooked.push(
      new Webhook(WEBHOOK_SECRET).verify(
        body,
        request.headers as Record<string, string>,
      ) as (typeof hooked)[number],
    );
    response.writeHead(200).end();
  });
});

describe("Callback tools and retries on the local stack (DynamoDB Local, SQS, the HTTP API)", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;
    stack = await startTestStack({
      log: (line) => void logs.push(line),
      notifyWebhooks: [
        {
          url: `http://127.0.0.1:${port}/hooks`,
          secret: WEBHOOK_SECRET,
          events: ["thread.waiting_for_callback"],
        },
      ],
      agents: [releaser],
      apiKey: "callbacks-test-key-0123",
      model: new ScriptedModel([
        // thread 1: completed
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "released" }),
        // thread 2: expired
        call("quick_ci", { ref: "stale" }),
        call("done_for_now", { message: "CI never answered" }),
        // thread 3: a deploy that fails once
        call("deploy", { ref: "v2" }),
        call("done_for_now", { message: "deployed" }),
        // thread 4: answered with the API key; thread 5: answered through the inbox queue
        call("run_ci", { ref: "keyed" }),
        call("done_for_now", { message: "keyed released" }),
        call("run_ci", { ref: "inbox" }),
        call("done_for_now", { message: "inbox released" }),
        // thread 6 and its fork: the fork answered first
        call("run_ci", { ref: "forked" }),
        call("done_for_now", { message: "fork released" }),
        call("done_for_now", { message: "source released" }),
      ]),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  /** The thread once its wait's `start` ran and was recorded (its last write for a while). */
  async function waitStarted(threadId: string) {
    const api = client(stack, "callbacks-test-key-0123");
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      const thread = await api.waitFor(threadId, "waiting_for_callback");
      if (thread.events.at(-1)?.type === "callback_started") return thread;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the start of ${threadId}'s callback was never recorded`);
  }

  it("waits for the callback, refuses forged tokens and bad bodies (nothing written), resumes once, refuses a reuse", async () => {
    const api = client(stack, "callbacks-test-key-0123");
    const open = client(stack);
    const launched = await api.launch("releaser", "release main");
    const threadId = launched.body.threadId as string;
    const waiting = await waitStarted(threadId);
    const handed = started.get("main");
    if (!handed) throw new Error("start never ran");
    expect(handed.url).toBe(`${stack.url}/callbacks/${handed.token}`);
    expect(handed.key).toBe(`${threadId}:call_1`);
    expect((waiting as unknown as { callback: { expiresAt: string } }).callback).toMatchObject({
      callId: "call_1",
      tool: "run_ci",
    });
    const before = await storeSnapshot(stack);

    // A forged secret, a token of no thread, a malformed one: 401 without a key, nothing written.
    const forged = await open.request("POST", `/callbacks/${threadId}.AAAAAAAAAAAAAAAAAAAAAA`, {
      status: "passed",
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("invalid_callback_token");
    expect(
      (await open.request("POST", "/callbacks/thr_nobody.AAAAAAAAAAAAAAAAAAAAAA", {})).status,
    ).toBe(401);
    expect((await open.request("POST", "/callbacks/not-a-token", {})).status).toBe(401);
    // Off-schema body: 400 naming the field, nothing written.
    const bad = await open.request("POST", `/callbacks/${handed.token}`, { status: "maybe" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_result", field: "status" });
    expect(await storeSnapshot(stack)).toEqual(before);

    // The answer, and the sender's retry of it: both 202, recorded once.
    const answered = await open.request("POST", `/callbacks/${handed.token}`, { status: "passed" });
    expect(answered.status).toBe(202);
    const again = await open.request("POST", `/callbacks/${handed.token}`, { status: "passed" });
    expect(again.status).toBe(202);
    const done = await api.waitFor(threadId, "done");
    expect(done.events.filter((e) => e.type === "tool_result")).toEqual([
      expect.objectContaining({
        by: { principal: "callback", via: "callback" },
        data: { callId: "call_1", tool: "run_ci", result: { status: "passed" } },
      }),
    ]);

    // Reused with another answer: 409, nothing written.
    const settled = await storeSnapshot(stack);
    const reused = await open.request("POST", `/callbacks/${handed.token}`, { status: "failed" });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("not_pending");
    expect(await storeSnapshot(stack)).toEqual(settled);
  });

  it("turns an expired wait into an error the model reads, and a late answer gets 409", async () => {
    const api = client(stack, "callbacks-test-key-0123");
    const launched = await api.launch("releaser", "release stale");
    const threadId = launched.body.threadId as string;
    await api.waitFor(threadId, "waiting_for_callback");
    const handed = started.get("stale");
    if (!handed) throw new Error("start never ran");
    await new Promise((resolve) => setTimeout(resolve, 5));

    // The late answer and the sweep race: one version-checked append wins, never both.
    const [late, swept] = await Promise.all([
      client(stack).request("POST", `/callbacks/${handed.token}`, { status: "passed" }),
      expireCallbacks(stack.deps),
    ]);

    expect(late.status).toBe(409);
    expect(swept.expired).toBe(1);
    const done = await api.waitFor(threadId, "done");
    expect(done.events.filter((e) => e.type === "tool_result")).toEqual([]);
    expect(done.events.find((e) => e.type === "error")).toMatchObject({
      by: { principal: "callback-timeout", via: "schedule" },
      data: { code: "callback_expired", callId: "call_1", tool: "quick_ci" },
    });
  });

  it("retries an approved call that fails retryably with the same key and no second approval", async () => {
    const api = client(stack, "callbacks-test-key-0123");
    const launched = await api.launch("releaser", "deploy v2");
    const threadId = launched.body.threadId as string;
    const waiting = await api.waitFor(threadId, "waiting_for_approval");
    expect(
      (await api.respond(threadId, { callId: waiting.pending?.callId, approved: true })).status,
    ).toBe(202);
    const done = await api.waitFor(threadId, "done");
    expect(attempts).toBe(2);
    expect(done.events.filter((e) => e.type === "approval_requested")).toHaveLength(1);
    expect(done.events.filter((e) => e.type === "tool_retry")).toHaveLength(1);
    expect(done.events.find((e) => e.type === "tool_result")?.data.result).toEqual({
      deployed: "v2",
      key: `${threadId}:call_1`,
    });
  });

  it("takes the result by call id with an API key, and from the inbox queue", async () => {
    const api = client(stack, "callbacks-test-key-0123");
    const keyed = (await api.launch("releaser", "release keyed")).body.threadId as string;
    await api.waitFor(keyed, "waiting_for_callback");
    const bad = await api.respond(keyed, { callId: "call_1", result: { status: 7 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_result");
    expect(
      (await api.respond(keyed, { callId: "call_1", result: { status: "passed" } })).status,
    ).toBe(202);
    expect((await api.waitFor(keyed, "done")).output).toBe("keyed released");

    const viaInbox = (await api.launch("releaser", "release inbox")).body.threadId as string;
    await api.waitFor(viaInbox, "waiting_for_callback");
    const sqs = new SQSClient({
      endpoint: stack.sqsEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.inboxUrl,
        MessageBody: JSON.stringify({
          threadId: viaInbox,
          callId: "call_1",
          result: { status: "passed" },
        }),
      }),
    );
    const done = await api.waitFor(viaInbox, "done");
    expect(done.events.find((e) => e.type === "tool_result")).toMatchObject({
      by: { via: "inbox" },
      data: { result: { status: "passed" } },
    });
  });

  it("gives a fork of a waiting thread its own token, start and notice; each token finishes its own thread", async () => {
    const api = client(stack, "callbacks-test-key-0123");
    const open = client(stack);
    const sourceId = (await api.launch("releaser", "release forked")).body.threadId as string;
    await waitStarted(sourceId);
    const source = started.get("forked");
    if (!source) throw new Error("start never ran");

    // Fork it: the fork issues its own token and expiry, and start runs under the fork's key.
    const forked = await api.request("POST", `/threads/${sourceId}/fork`, {});
    expect(forked.status).toBe(201);
    const forkId = forked.body.threadId as string;
    const waiting = await waitStarted(forkId);
    const handed = started.get("forked");
    if (!handed || handed === source) throw new Error("the fork's start never ran");
    expect(handed.key).toBe(`${forkId}:call_1`);
    expect(handed.token.startsWith(`${forkId}.`)).toBe(true);
    expect(handed.url).toBe(`${stack.url}/callbacks/${handed.token}`);
    expect(waiting.events.filter((e) => e.type === "callback_requested")).toHaveLength(2);

    // Each wait was published with its tool and expiry, and never with a token.
    const forkNotice = await publishedNotice(stack, "thread.waiting_for_callback", forkId);
    expect(forkNotice?.detail).toMatchObject({
      agent: "releaser",
      status: "waiting_for_callback",
      callId: "call_1",
      tool: "run_ci",
      args: { ref: "forked" },
      expiresAt: (waiting as unknown as { callback: { expiresAt: string } }).callback.expiresAt,
      link: `${stack.url}/threads/${forkId}`,
    });
    await publishedNotice(stack, "thread.waiting_for_callback", sourceId);
    const notices = (stack.publishedEvents() as ReceivedEvent[]).filter(
      (entry) => entry.detailType === "thread.waiting_for_callback",
    );
    // twelve dev says so in its log.
    expect(logs).toContain(
      `thread.waiting_for_callback: ${forkId} waits on run_ci (call_1) until ${String(forkNotice?.detail.expiresAt)}`,
    );
    // An outbound webhook that asked for them gets them too, signed.
    for (let tries = 0; !hooked.some((h) => h.data.threadId === forkId) && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(hooked.find((h) => h.data.threadId === forkId)).toEqual({
      type: "thread.waiting_for_callback",
      timestamp: expect.any(String),
      data: forkNotice?.detail,
    });
    const published = JSON.stringify([notices, hooked]);
    for (const token of [source.token, handed.token]) {
      expect(published).not.toContain(token.split(".")[1]);
    }

    // The fork's token finishes the fork, and leaves the source waiting.
    expect(
      (await open.request("POST", `/callbacks/${handed.token}`, { status: "passed" })).status,
    ).toBe(202);
    expect((await api.waitFor(forkId, "done")).output).toBe("fork released");
    expect((await api.get(sourceId)).body.status).toBe("waiting_for_callback");
    // The source's token finishes the source only.
    expect(
      (await open.request("POST", `/callbacks/${source.token}`, { status: "passed" })).status,
    ).toBe(202);
    expect((await api.waitFor(sourceId, "done")).output).toBe("source released");
    const fork = await api.get(forkId);
    expect(fork.body.events.filter((e: { type: string }) => e.type === "tool_result")).toHaveLength(
      1,
    );
  });
});
