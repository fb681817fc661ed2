import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "../../functions/logger.ts";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { lead } from "../support/sub-agent-fixtures.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

// Keys with scopes (AGENT_API_KEYS objects), through the HTTP API on the emulators.
const KEYS = {
  admin: "admin-key-0123456789abcdef",
  reader: { key: "reader-key-0123456789abcdef", can: ["read"] },
  desk: { key: "desk-key-0123456789abcdef", agents: ["calculator"], can: ["read", "decide"] },
  deployer: { key: "deployer-key-0123456789abcdef", agents: ["deploybot"] },
  // The lead agent's, not its child's (the fixture's "deployer" agent)
  leader: { key: "leader-key-0123456789abcdef", agents: ["lead"] },
  // May message calculator threads, but not decide: never the answer to a question
  chatter: {
    key: "chatter-key-0123456789abcdef",
    agents: ["calculator"],
    can: ["read", "message"],
  },
} as const;

let stack: LocalStack;
let admin: ReturnType<typeof client>;
/** A calculator thread waiting for approval, and a deploybot thread. */
let calc: { threadId: string; callId: string };
let deploy: string;

beforeAll(async () => {
  stack = await startTestStack({
    agents: [...agents, lead],
    apiKeys: {
      admin: KEYS.admin,
      reader: { ...KEYS.reader, can: [...KEYS.reader.can] },
      desk: { ...KEYS.desk, agents: [...KEYS.desk.agents], can: [...KEYS.desk.can] },
      deployer: { ...KEYS.deployer, agents: [...KEYS.deployer.agents] },
      leader: { ...KEYS.leader, agents: [...KEYS.leader.agents] },
      chatter: { ...KEYS.chatter, agents: [...KEYS.chatter.agents], can: [...KEYS.chatter.can] },
    },
  });
  admin = client(stack, KEYS.admin);
  const launched = await admin.launch("calculator", "What is 6 / 3?");
  const waiting = await admin.waitFor(launched.body.threadId, "waiting_for_approval");
  calc = { threadId: launched.body.threadId, callId: waiting.pending?.callId ?? "" };
  deploy = (await admin.launch("deploybot", "Deploy v1.1.0 to the backend")).body.threadId;
  await admin.waitFor(deploy, ["waiting_for_approval", "waiting_for_human", "done"]);
});
afterAll(() => stack?.stop());

/** Every write route of a thread, as `[verb, method, path, body]`. */
const writes = (threadId: string, callId: string) =>
  [
    ["launch", "POST", "/threads", { agent: "calculator", message: "1 + 1" }],
    ["message", "POST", `/threads/${threadId}/messages`, { message: "and 2 + 2?" }],
    ["decide", "POST", `/threads/${threadId}/responses`, { callId, approved: true }],
    ["cancel", "POST", `/threads/${threadId}/cancel`, {}],
    ["fork", "POST", `/threads/${threadId}/fork`, {}],
    ["delete", "DELETE", `/threads/${threadId}`, undefined],
  ] as const;

describe("a key limited in verbs", () => {
  it("is refused each verb it lacks with 403 naming the verb, and nothing changes", async () => {
    // Prepare
    const reader = client(stack, KEYS.reader.key);
    const warn = vi.spyOn(logger, "warn");
    const before = await storeSnapshot(stack);

    for (const [verb, method, path, body] of writes(calc.threadId, calc.callId)) {
      // Act
      const answer = await reader.request(method, path, body);

      // Assess
      expect(answer.status, `${verb} ${path}`).toBe(403);
      expect(answer.body.error).toMatchObject({
        code: "forbidden",
        message: `key "reader" may not ${verb} (it may: read)`,
        missing: { verb },
      });
      expect(warn).toHaveBeenCalledWith(
        "refused: outside the key's scope",
        expect.objectContaining({
          principal: "reader",
          verb,
          missing: { verb },
          ...(verb === "launch" ? {} : { thread: calc.threadId }),
        }),
      );
    }
    expect(await storeSnapshot(stack)).toEqual(before);
    warn.mockRestore();
  });

  it("still reads every thread and lists them all", async () => {
    const reader = client(stack, KEYS.reader.key);
    expect((await reader.get(calc.threadId)).status).toBe(200);
    expect((await reader.request("GET", `/threads/${deploy}/events`)).status).toBe(200);
    const listed = await reader.request("GET", "/threads?limit=100");
    const ids = listed.body.threads.map((thread: { threadId: string }) => thread.threadId);
    expect(ids).toEqual(expect.arrayContaining([calc.threadId, deploy]));
  });
});

describe("a key limited to some agents", () => {
  it("gets 403 naming the agent on every route of another agent's thread, and nothing changes", async () => {
    // Prepare
    const deployer = client(stack, KEYS.deployer.key);
    const warn = vi.spyOn(logger, "warn");
    const before = await storeSnapshot(stack);
    const id = calc.threadId;
    const routes = [
      ["GET", `/threads/${id}`, undefined],
      ["GET", `/threads/${id}/events`, undefined],
      ["GET", `/threads/${id}/events/1/data`, undefined],
      ["GET", `/threads/${id}/context`, undefined],
      ...writes(id, calc.callId)
        .filter(([verb]) => verb !== "launch")
        .map(([, method, path, body]) => [method, path, body] as const),
    ] as const;

    for (const [method, path, body] of routes) {
      // Act
      const answer = await deployer.request(method, path, body);

      // Assess: the shape of every refusal, naming the agent the key may not use
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error).toEqual({
        code: "forbidden",
        message:
          'key "deployer" may not use agent "calculator" (it may: everything; agents: deploybot)',
        missing: { agent: "calculator" },
      });
    }
    expect(await storeSnapshot(stack)).toEqual(before);
    expect(warn).toHaveBeenCalledWith(
      "refused: outside the key's scope",
      expect.objectContaining({ principal: "deployer", agent: "calculator", thread: id }),
    );
    warn.mockRestore();
  });

  it("is refused a launch of another agent with 403 naming the agent", async () => {
    const before = await storeSnapshot(stack);
    const answer = await client(stack, KEYS.deployer.key).launch("calculator", "1 + 1");
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({
      code: "forbidden",
      missing: { agent: "calculator" },
    });
    expect(answer.body.error.message).toContain('use agent "calculator"');
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("lists and sees only its agents' threads and agents", async () => {
    // Act
    const deployer = client(stack, KEYS.deployer.key);
    const listed = await deployer.request("GET", "/threads?limit=100");
    const agents = await deployer.request("GET", "/agents");
    const other = await deployer.request("GET", "/threads?agent=calculator");

    // Assess
    const seen = listed.body.threads.map((thread: { agent: string }) => thread.agent);
    expect(seen).toContain("deploybot");
    expect(new Set(seen)).toEqual(new Set(["deploybot"]));
    expect(agents.body.agents.map((agent: { name: string }) => agent.name)).toEqual(["deploybot"]);
    expect(other.status).toBe(403);
    expect(other.body.error.missing).toEqual({ agent: "calculator" });
  });

  it("may do what its scope allows: the desk decides a calculator approval", async () => {
    const desk = client(stack, KEYS.desk.key);
    const answer = await desk.respond(calc.threadId, { callId: calc.callId, approved: true });
    expect(answer.status).toBe(202);
    const done = await desk.waitFor(calc.threadId, "done");
    const decision = done.events.find((event) => event.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: "desk", via: "api" });
    expect((await desk.get(deploy)).status).toBe(403);
    expect((await desk.get("thr_0123456789abcdef0123456789abcdef")).status).toBe(404);
  });

  it("sees, in a root thread, only the children and waiting descendants of its agents", async () => {
    // Prepare: a lead thread whose child (agent "deployer") waits for an approval
    const rootId = (await admin.launch("lead", "release the api")).body.threadId as string;
    const childId = `${rootId}-call_1`;
    await admin.waitFor(childId, "waiting_for_approval");
    const leader = client(stack, KEYS.leader.key);

    // Act
    const seen = await leader.get(rootId);
    const all = await admin.get(rootId);
    const child = await leader.get(childId);

    // Assess: the child, its call and arguments stay the admin's to see; the totals are the tree's
    expect(all.body.children.map((c: { threadId: string }) => c.threadId)).toEqual([childId]);
    expect(all.body.descendants).toEqual([
      expect.objectContaining({
        threadId: childId,
        pending: expect.objectContaining({ args: { service: "api" } }),
      }),
    ]);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ status: "waiting_for_agent", children: [], descendants: [] });
    expect(JSON.stringify(seen.body)).not.toContain(childId);
    expect(seen.body.treeUsage).toEqual(all.body.treeUsage);
    expect(child.status).toBe(403);
    expect(child.body.error.missing).toEqual({ agent: "deployer" });
  });
});

describe("a key that may message but not decide", () => {
  it("is refused a message to a thread waiting for a person's answer with 403 naming decide, and nothing changes", async () => {
    // Prepare: a calculator thread that asks which calculation to do
    const asked = (await admin.launch("calculator", "Hello there")).body.threadId as string;
    await admin.waitFor(asked, "waiting_for_human");
    const chatter = client(stack, KEYS.chatter.key);
    const warn = vi.spyOn(logger, "warn");
    const before = await storeSnapshot(stack);

    // Act
    const answer = await chatter.request("POST", `/threads/${asked}/messages`, {
      message: "What is 2 + 2?",
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.error).toEqual({
      code: "forbidden",
      message: 'key "chatter" may not decide (it may: read, message; agents: calculator)',
      missing: { verb: "decide" },
    });
    expect(await storeSnapshot(stack)).toEqual(before);
    expect(warn).toHaveBeenCalledWith(
      "refused: outside the key's scope",
      expect.objectContaining({ principal: "chatter", verb: "decide", thread: asked }),
    );
    warn.mockRestore();
  });

  it("still sends the next message of a thread that asks nothing", async () => {
    const finished = (await admin.launch("calculator", "What is 2 + 2?")).body.threadId as string;
    await admin.waitFor(finished, "done");
    const chatter = client(stack, KEYS.chatter.key);
    const answer = await chatter.request("POST", `/threads/${finished}/messages`, {
      message: "And 3 + 3?",
    });
    expect(answer.status).toBe(202);
    const done = await admin.waitFor(finished, "done");
    expect(done.output).toBe("3 + 3 = 6");
  });
});

describe("GET /me", () => {
  it("tells each key who it is and what it may do", async () => {
    expect((await client(stack, KEYS.desk.key).request("GET", "/me")).body).toEqual({
      principal: "desk",
      agents: ["calculator"],
      can: ["read", "decide"],
    });
    expect((await admin.request("GET", "/me")).body).toEqual({
      principal: "admin",
      agents: null,
      can: ["read", "launch", "message", "decide", "cancel", "fork", "delete"],
    });
    expect((await client(stack, "not-a-key-0123456789").request("GET", "/me")).status).toBe(401);
  });
});

describe("idempotency keys, per principal and verb", () => {
  const other = () => client(stack, KEYS.deployer.key);

  it("gives two principals sending one key a thread each", async () => {
    // Act
    const headers = { "idempotency-key": `shared-${Date.now()}` };
    const first = await admin.launch("deploybot", "Deploy v1.2.0 to the backend", headers);
    const bob = await other().launch("deploybot", "Deploy v1.2.0 to the backend", headers);
    const again = await admin.launch("deploybot", "Deploy v1.2.0 to the backend", headers);

    // Assess: the deployer does not get the admin's thread; the admin's retry does
    expect([first.status, bob.status, again.status]).toEqual([202, 202, 202]);
    expect(bob.body.threadId).not.toBe(first.body.threadId);
    expect(again.body.threadId).toBe(first.body.threadId);
    const made = await other().get(bob.body.threadId);
    expect(made.body.events[0]?.by).toEqual({ principal: "deployer", via: "api" });
  });

  it("lets a fork use the key of a launch, and a retried fork gets its fork", async () => {
    // Act
    const headers = { "idempotency-key": `launch-then-fork-${Date.now()}` };
    const launched = await admin.launch("calculator", "What is 2 + 2?", headers);
    await admin.waitFor(launched.body.threadId, "done");
    const path = `/threads/${launched.body.threadId}/fork`;
    const fork = await admin.request("POST", path, { version: 1 }, headers);
    const retried = await admin.request("POST", path, { version: 1 }, headers);

    // Assess
    expect(fork.status).toBe(201);
    expect(fork.body.threadId).not.toBe(launched.body.threadId);
    expect(retried.body.threadId).toBe(fork.body.threadId);
  });

  it("does not reuse a key stored before keys were scoped: the request makes its own thread", async () => {
    // Prepare: a launch stored under the raw key, as before keys were scoped
    const key = `unscoped-${Date.now()}`;
    const message = "Deploy v1.3.0 to the backend";
    const old = await launchThread(stack.deps, {
      agent: "deploybot",
      message,
      idempotencyKey: key,
      by: { principal: "admin", via: "api" },
    });
    const headers = { "idempotency-key": key };

    // Act
    const launched = await admin.launch("deploybot", message, headers);
    const retried = await admin.launch("deploybot", message, headers);

    // Assess: a new thread under the scoped key, which its retry then finds
    expect(launched.status).toBe(202);
    expect(launched.body.threadId).not.toBe(old.threadId);
    expect(retried.body.threadId).toBe(launched.body.threadId);
  });
});

describe("the start checks of keys with scopes", () => {
  it("refuses a key of an agent not served in one line, before --fresh deletes anything", async () => {
    // Prepare: a data directory a --fresh start would wipe
    const dataDir = mkdtempSync(join(tmpdir(), "twelve-scopes-"));
    writeFileSync(join(dataDir, "shared-local-instance.db"), "threads");

    // Act
    const started = startLocalStack({
      agents,
      model: new DemoModel(),
      port: 0,
      dynamoPort: 0,
      sqsPort: 0,
      dataDir,
      fresh: true,
      apiKeys: { desk: { key: "desk-key-0123456789abcdef", agents: ["refundz"] } },
    });

    // Assess
    await expect(started).rejects.toThrow(
      new ConfigError(
        'invalid configuration: AGENT_API_KEYS.desk.agents: unknown agent "refundz" (served: calculator, deploybot)',
      ),
    );
    expect(readFileSync(join(dataDir, "shared-local-instance.db"), "utf8")).toBe("threads");
    rmSync(dataDir, { recursive: true, force: true });
  });
});
