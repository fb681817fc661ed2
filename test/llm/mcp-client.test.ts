import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createRunner, defineAgent, defineTool, doneForNow, type ToolSource } from "twelve-agents";
import { IDEMPOTENCY_META_KEY, type McpServerOptions, mcpServer } from "twelve-agents/mcp";
import { call, ScriptedModel } from "twelve-agents/testing";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { createHttpApi } from "../../functions/http/index.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { McpConnection } from "../../shared/mcp/connection.ts";
import { checkOptions } from "../../shared/mcp/options.ts";
import { FakeMcpServer, type FakeTool } from "./mcp-server.ts";

const add: FakeTool = {
  name: "add",
  description: "Add two numbers.",
  input: z.object({ a: z.number(), b: z.number() }),
  annotations: { readOnlyHint: true },
  run: ({ a, b }) => String(Number(a) + Number(b)),
};
const deleteRecord: FakeTool = {
  name: "delete_record",
  description: "Delete a record.",
  input: z.object({ id: z.string(), reason: z.string().optional() }),
  annotations: { destructiveHint: true },
  run: ({ id }) => ({ structured: { deleted: id } }),
};
const failing: FakeTool = {
  name: "lookup",
  input: z.object({ id: z.string() }),
  run: ({ id }) => ({ error: `no record ${String(id)}: list the records first` }),
};

const execFileAsync = promisify(execFile);
const servers: FakeMcpServer[] = [];
const sources: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all([...servers.splice(0), ...sources.splice(0)].map((s) => s.close()));
});

async function serve(options: ConstructorParameters<typeof FakeMcpServer>[0]) {
  const server = await new FakeMcpServer(options).start();
  servers.push(server);
  return server;
}

function source(options: McpServerOptions) {
  const made = mcpServer(options);
  sources.push(made);
  return made;
}

const types = (events: readonly ThreadEvent[]) => events.map((event) => event.type);
const errors = (events: readonly ThreadEvent[]) =>
  events.flatMap((event) => (event.type === "error" ? [event.data] : []));

describe("Function: mcpServer", () => {
  it("gives an agent the server's tools: listed on the first step, called with the idempotency key", async () => {
    // Prepare
    const server = await serve({ tools: [add] });
    const calc = source({ name: "calc", url: server.url });
    const agent = defineAgent({ name: "calc", prompt: "p", tools: [doneForNow], mcp: [calc] });
    const model = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("done_for_now", { message: "7" }),
    ]);
    const runner = createRunner({ agents: [agent], model });

    // Assess: defining the agent contacted nobody
    expect(server.lists).toBe(0);

    // Act
    const result = await runner.launch("calc", "3 + 4?");

    // Assess
    expect(result.status).toBe("done");
    expect(result.output).toBe("7");
    const toolResult = result.events.find((event) => event.type === "tool_result");
    expect(toolResult?.data).toMatchObject({ tool: "add", result: "7" });
    expect(server.calls).toEqual([
      {
        tool: "add",
        args: { a: 3, b: 4 },
        meta: expect.objectContaining({ [IDEMPOTENCY_META_KEY]: `${result.threadId}:call_2` }),
      },
    ]);
    // The model was shown the server's tool with its schema, non-strict as the server wrote it
    const shown = model.calls[0]?.tools.find((tool) => tool.name === "add");
    expect(shown?.parameters).toMatchObject({ required: ["a", "b"] });
  });

  it("waits for approval before a destructive tool runs, and runs it once approved", async () => {
    // Prepare
    const server = await serve({ tools: [add, deleteRecord] });
    const crm = source({ name: "crm", url: server.url });
    const agent = defineAgent({ name: "crm", prompt: "p", tools: [doneForNow], mcp: [crm] });
    const model = new ScriptedModel([
      call("delete_record", { id: "r1" }),
      call("done_for_now", { message: "deleted" }),
    ]);
    const runner = createRunner({ agents: [agent], model });

    // Act
    const waiting = await runner.launch("crm", "delete r1");

    // Assess: nothing ran before the approval
    expect(waiting.status).toBe("waiting_for_approval");
    expect(waiting.pending).toMatchObject({ tool: "delete_record", args: { id: "r1" } });
    expect(server.calls).toEqual([]);

    // Act
    const done = await runner.respond(waiting.threadId, {
      callId: waiting.pending?.callId ?? "",
      approved: true,
    });

    // Assess
    expect(done.status).toBe("done");
    expect(server.calls.map((c) => c.tool)).toEqual(["delete_record"]);
    const result = done.events.find((event) => event.type === "tool_result");
    expect(result?.data).toMatchObject({ result: { deleted: "r1" } });
  });

  it("takes approval from the option instead of the annotations, and prefixes names", async () => {
    // Prepare
    const server = await serve({ tools: [add, deleteRecord] });
    const listed = await source({
      name: "crm",
      url: server.url,
      approval: ["add"],
      prefix: "crm",
    }).tools();

    // Assess
    expect(listed.map((tool) => [tool.name, tool.kind])).toEqual([
      ["crm_add", "approval"],
      ["crm_delete_record", "sync"],
    ]);
  });

  it("keeps only included tools, refuses an include or approval the server does not list", async () => {
    // Prepare
    const server = await serve({ tools: [add, deleteRecord] });

    // Act + Assess
    const only = await source({ name: "a", url: server.url, include: ["add"] }).tools();
    expect(only.map((tool) => tool.name)).toEqual(["add"]);
    const without = await source({ name: "b", url: server.url, exclude: ["add"] }).tools();
    expect(without.map((tool) => tool.name)).toEqual(["delete_record"]);
    await expect(source({ name: "c", url: server.url, include: ["nope"] }).tools()).rejects.toThrow(
      'MCP server "c" lists no tool named nope (its include option)',
    );
    // An approval naming a tool the server does not list would guard nothing
    const approval = source({ name: "e", url: server.url, approval: ["add", "delete_recrod"] });
    await expect(approval.tools()).rejects.toThrow(
      'MCP server "e" lists no tool named delete_recrod (its approval option)',
    );
    // Never an empty tool list in silence
    const none = source({ name: "d", url: server.url, exclude: ["add", "delete_record"] });
    await expect(none.tools()).rejects.toThrow('MCP server "d" lists no tool this agent may use');
  });

  it("turns an isError result into a compact tool_failed error the model reads", async () => {
    // Prepare
    const server = await serve({ tools: [failing] });
    const agent = defineAgent({
      name: "look",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "db", url: server.url })],
    });
    const model = new ScriptedModel([
      call("lookup", { id: "x" }),
      call("done_for_now", { message: "gave up" }),
    ]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("look", "find x");

    // Assess
    expect(errors(result.events)).toEqual([
      expect.objectContaining({
        code: "tool_failed",
        tool: "lookup",
        message: "lookup failed: no record x: list the records first",
      }),
    ]);
  });

  it("checks arguments against the server's schema before calling, naming the field", async () => {
    // Prepare
    const server = await serve({ tools: [add] });
    const agent = defineAgent({
      name: "calc",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "calc", url: server.url })],
    });
    const model = new ScriptedModel([
      call("add", { a: "3", b: 4 }),
      call("done_for_now", { message: "?" }),
    ]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("calc", "3 + 4?");

    // Assess: the server was never called with the bad arguments
    expect(errors(result.events)[0]).toMatchObject({ code: "invalid_args", tool: "add" });
    expect(errors(result.events)[0]?.message).toMatch(/a: .*expected number/);
    expect(server.calls).toEqual([]);
  });

  it("sends the headers, static or computed per request, and names a refused credential", async () => {
    // Prepare: a token that rotates on every request
    const server = await serve({ tools: [add] });
    const guarded = await serve({ tools: [add], bearer: "s3cret" });
    let asked = 0;
    const computed = source({
      name: "computed",
      url: server.url,
      cacheTtlMs: 0,
      headers: async () => ({ authorization: `Bearer token-${++asked}` }),
    });
    const fixed = source({
      name: "fixed",
      url: guarded.url,
      headers: { authorization: "Bearer s3cret" },
    });
    const wrong = source({
      name: "wrong",
      url: guarded.url,
      headers: { authorization: "Bearer x" },
    });

    // Act: two listings and a call
    await computed.tools();
    const [tool] = await computed.tools();
    await tool?.run?.(
      { a: 1, b: 2 },
      { threadId: "t", callId: "c", idempotencyKey: "t:c", runContext: {} },
    );

    // Assess: each request carried the token computed for it, in order
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(server.authorizations).toEqual(
      Array.from({ length: asked }, (_, i) => `Bearer token-${i + 1}`),
    );
    expect((await fixed.tools()).map((listed) => listed.name)).toEqual(["add"]);
    await expect(wrong.tools()).rejects.toThrow(
      'MCP server "wrong" refused the credentials (HTTP 401): check its headers',
    );
  });

  it("escalates at once when a server refuses the credentials, instead of three strikes", async () => {
    // Prepare
    const server = await serve({ tools: [add], bearer: "s3cret" });
    const agent = defineAgent({
      name: "calc",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "calc", url: server.url, headers: { authorization: "Bearer x" } })],
    });
    const model = new ScriptedModel([]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("calc", "1 + 2?");

    // Assess
    expect(result.status).toBe("waiting_for_human");
    expect(result.pending).toMatchObject({ kind: "escalation", reason: "tools_unusable" });
    expect(errors(result.events).map((error) => error.code)).toEqual(["tools_unavailable"]);
    expect(result.pending?.message).toContain("refused the credentials (HTTP 401)");
    expect(model.calls).toHaveLength(0);
  });

  it("keeps the tool list for the server's cache hint, and lists again once it passed", async () => {
    // Prepare: one server says keep it a minute, one says do not keep it
    const kept = await serve({ tools: [add], ttlMs: 60_000 });
    const fresh = await serve({ tools: [add], ttlMs: 0 });
    const a = source({ name: "a", url: kept.url });
    const b = source({ name: "b", url: fresh.url });

    // Act
    for (let i = 0; i < 3; i++) await Promise.all([a.tools(), b.tools()]);

    // Assess
    expect(kept.lists).toBe(1);
    expect(fresh.lists).toBe(3);
  });

  it("reuses a server's session, and opens a new one once when the server forgot it (404)", async () => {
    // Prepare
    const server = await serve({ tools: [add], mode: "sessions" });
    const calc = source({ name: "calc", url: server.url, cacheTtlMs: 0 });
    await calc.tools();
    await calc.tools();

    expect(server.sessionsOpened).toBe(1);

    // Act: the server restarts and forgets its sessions, twice
    server.forgetSessions();
    const listed = await calc.tools();
    server.forgetSessions();
    const sum = await listed[0]?.run?.(
      { a: 1, b: 2 },
      { threadId: "thr_1", callId: "call_1", idempotencyKey: "thr_1:call_1", runContext: {} },
    );

    // Assess
    expect(listed.map((tool) => tool.name)).toEqual(["add"]);
    expect(server.lists).toBe(4); // three lists, one of them answered 404 and sent again
    expect(sum).toBe("3");
    expect(server.calls).toHaveLength(1);
    expect(server.sessionsOpened).toBe(3);
  });

  it("drops a session it could not reach the server with, and opens a new one when it is back", async () => {
    // Prepare
    const server = await serve({ tools: [add], mode: "sessions" });
    const calc = source({ name: "calc", url: server.url, cacheTtlMs: 0 });
    await calc.tools();

    // Act: the server is down for a request, then back
    await server.stop();
    await expect(calc.tools()).rejects.toThrow(/MCP server "calc" did not answer/);
    await server.start();
    const listed = await calc.tools();

    // Assess: a new session, not the one the outage left unusable
    expect(listed.map((tool) => tool.name)).toEqual(["add"]);
    expect(server.sessionsOpened).toBe(2);
  });

  it("sends a call the client refused as not connected once more, on a new connection", async () => {
    // Prepare: the connection closes between taking the client and sending the call
    const server = await serve({ tools: [add], mode: "sessions" });
    const connection = new McpConnection(checkOptions({ name: "calc", url: server.url }));
    sources.push(connection);
    let attempts = 0;

    // Act: a call (not `safe`: it may have side effects)
    const result = await connection.request(async (client) => {
      if (++attempts === 1) await client.close();
      return client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    });

    // Assess: it never left the process, so it was sent once, on a new session
    expect(result.content).toEqual([{ type: "text", text: "3" }]);
    expect(attempts).toBe(2);
    expect(server.calls).toHaveLength(1);
    expect(server.sessionsOpened).toBe(2);
  });

  it("refuses two tools of one name between servers or with the agent's own, until a prefix", async () => {
    // Prepare
    const one = await serve({ tools: [add] });
    const two = await serve({ tools: [add] });
    const localAdd = defineTool({
      name: "add",
      description: "local",
      input: z.object({ a: z.number(), b: z.number() }),
      kind: "sync",
      run: ({ a, b }) => a + b,
    });
    const clash = defineAgent({
      name: "clash",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "one", url: one.url }), source({ name: "two", url: two.url })],
    });
    const local = defineAgent({
      name: "local",
      prompt: "p",
      tools: [localAdd, doneForNow],
      mcp: [source({ name: "one", url: one.url })],
    });
    const fixed = defineAgent({
      name: "fixed",
      prompt: "p",
      tools: [doneForNow],
      mcp: [
        source({ name: "one", url: one.url }),
        source({ name: "two", url: two.url, prefix: "two" }),
      ],
    });
    const model = new ScriptedModel([
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
      call("done_for_now", { message: "ok" }),
    ]);
    const runner = createRunner({ agents: [clash, local, fixed], model });

    // Act
    const clashed = await runner.launch("clash", "go");
    const shadowed = await runner.launch("local", "go");
    const resolved = await runner.launch("fixed", "go");

    // Assess: an error, escalated at once (a prefix must be given); never a model call with it
    expect(clashed.status).toBe("waiting_for_human");
    expect(clashed.pending).toMatchObject({ kind: "escalation", reason: "tools_unusable" });
    expect(errors(clashed.events)).toEqual([
      expect.objectContaining({ code: "tools_unavailable" }),
    ]);
    expect(errors(clashed.events)[0]?.message).toContain(
      'MCP server "two" has a tool named "add", as MCP server "one" does: give mcpServer({ name: "two" }) a prefix',
    );
    expect(errors(shadowed.events)[0]?.message).toContain("as one of the agent's own tools does");
    expect(resolved.status).toBe("done");
    expect(
      model.calls
        .at(-1)
        ?.tools.map((tool) => tool.name)
        .sort(),
    ).toEqual(["add", "done_for_now", "two_add"]);
  });
});

describe("Function: mcpServer, its options", () => {
  it("refuses options that cannot work, naming the server", () => {
    const define = (options: unknown) => () => mcpServer(options as McpServerOptions);
    expect(define({ name: "a b", url: "http://x" })).toThrow(/mcpServer: name must match/);
    expect(define({ name: "a" })).toThrow(
      'mcpServer "a": give either url (streamable HTTP) or command (stdio)',
    );
    expect(define({ name: "a", url: "nope" })).toThrow('mcpServer "a": url is not a URL: nope');
    expect(define({ name: "a", url: "ftp://x" })).toThrow("url must be http: or https:");
    expect(define({ name: "a", url: "http://x", prefix: "a.b" })).toThrow(/prefix must be/);
    expect(define({ name: "a", url: "http://x", timeoutMs: -1 })).toThrow(/timeoutMs must be/);
    expect(define({ name: "a", url: "http://x", approval: "all" })).toThrow(/approval must be/);
  });

  it("gives up on a call the server does not answer within timeoutMs: the call stays owed", async () => {
    // Prepare
    const waiting: (() => void)[] = [];
    const hanging: FakeTool = {
      name: "slow",
      input: z.object({}),
      run: () => new Promise<string>((resolve) => waiting.push(() => resolve("late"))),
    };
    const server = await serve({ tools: [hanging] });
    const agent = defineAgent({
      name: "slow",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "slow", url: server.url, timeoutMs: 300 })],
    });
    const model = new ScriptedModel([call("slow", {}), call("done_for_now", { message: "no" })]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("slow", "go");
    for (const release of waiting) release();

    // Assess: no answer is an outage, not the tool failing: the same call (its key) is sent
    // again by the next steps, three strikes, then a person is asked; the model never hears of it
    expect(result.pending).toMatchObject({ kind: "escalation" });
    expect(errors(result.events).map((error) => error.code)).toEqual([
      "tools_unavailable",
      "tools_unavailable",
      "tools_unavailable",
    ]);
    expect(errors(result.events)[0]?.message).toMatch(
      /^MCP server "slow" did not answer \(.*time/i,
    );
    const keys = server.calls.map((c) => c.meta[IDEMPOTENCY_META_KEY]);
    expect(keys).toEqual([`${result.threadId}:call_2`, keys[0], keys[0]]);
    expect(model.calls).toHaveLength(1);
  });
});

describe("Function: mcpServer, behind the HTTP API", () => {
  it("GET /threads/{id}/context shows the server's tools, as the model sees them", async () => {
    // Prepare
    const server = await serve({ tools: [add] });
    const agent = defineAgent({
      name: "calc",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "calc", url: server.url, cacheTtlMs: 0 })],
    });
    const model = new ScriptedModel([call("done_for_now", { message: "ok" })]);
    const api = createHttpApi({ agents: [agent], model });
    const { threadId } = await api.runner.launch("calc", "hi");

    // Act
    const response = await api.fetch(new Request(`http://localhost/threads/${threadId}/context`));

    // Assess
    expect(response.status).toBe(200);
    const context = (await response.json()) as {
      tools: { name: string }[];
      toolsUnavailable: string | null;
    };
    expect(context.tools.map((tool) => tool.name)).toEqual(["done_for_now", "add"]);
    expect(context.toolsUnavailable).toBeNull();

    // Act: the server goes down
    await server.stop();
    const down = await api.fetch(new Request(`http://localhost/threads/${threadId}/context`));

    // Assess: the agent's own tools, and why the server's are missing
    expect(down.status).toBe(200);
    const shown = (await down.json()) as typeof context;
    expect(shown.tools.map((tool) => tool.name)).toEqual(["done_for_now"]);
    expect(shown.toolsUnavailable).toMatch(/^MCP server "calc" did not answer/);
  });
});

describe("Function: mcpServer over stdio", () => {
  it("starts the server's process once and calls its tools through it", async () => {
    // Prepare
    const server = fileURLToPath(new URL("mcp-stdio-server.ts", import.meta.url));
    const math = source({ name: "math", command: process.execPath, args: [server] });
    const agent = defineAgent({ name: "math", prompt: "p", tools: [doneForNow], mcp: [math] });
    const model = new ScriptedModel([
      call("multiply", { a: 6, b: 7 }),
      call("multiply", { a: 2, b: 3 }),
      call("done_for_now", { message: "42" }),
    ]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("math", "6 * 7?");

    // Assess: both answers from one process
    const answers = result.events.flatMap((event) =>
      event.type === "tool_result" ? [String(event.data.result)] : [],
    );
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^42 \(pid \d+\)$/);
    expect(answers[1]?.replace(/^6/, "42")).toBe(answers[0]);
  });
});

describe("Function: mcpServer over stdio, its process dying", () => {
  it("starts a new process for the next request once the server's process died", async () => {
    // Prepare
    const server = fileURLToPath(new URL("mcp-stdio-server.ts", import.meta.url));
    const math = source({ name: "math", command: process.execPath, args: [server], cacheTtlMs: 0 });
    const multiply = async () => {
      const [tool] = await math.tools();
      const context = { threadId: "t", callId: "c", idempotencyKey: "t:c", runContext: {} };
      return String(await tool?.run?.({ a: 2, b: 3 }, context));
    };
    const pidOf = (answer: string) => Number(/pid (\d+)/.exec(answer)?.[1]);
    const first = pidOf(await multiply());

    // Act: the server's process is killed; wait until it is gone
    process.kill(first, "SIGKILL");
    while (alive(first)) await new Promise((resolve) => setImmediate(resolve));
    const second = pidOf(await multiply());

    // Assess: a new process answered, not "Not connected" for the rest of the process
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("Function: mcpServer over stdio, in a script", () => {
  it("lets the script exit once its agent is done, without closing the server", async () => {
    // A server process that held the event loop would keep the script alive until the timeout
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        "--conditions=twelve-source",
        fileURLToPath(new URL("mcp-stdio-runner.ts", import.meta.url)),
      ],
      { timeout: 60_000 },
    );
    expect(stdout.trim()).toBe("done 6");
  }, 70_000);
});

describe("Function: mcpServer in a thread", () => {
  it("makes an outage a retryable error event, and the thread recovers when the server returns", async () => {
    // Prepare
    const server = await serve({ tools: [add] });
    const agent = defineAgent({
      name: "calc",
      prompt: "p",
      tools: [doneForNow],
      mcp: [source({ name: "calc", url: server.url, cacheTtlMs: 0 })],
    });
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);
    const runner = createRunner({ agents: [agent], model });
    await server.stop();

    // Act: three strikes while it is down
    const down = await runner.launch("calc", "1 + 2?");

    // Assess: compact errors naming the server (no host), then a person is asked
    expect(down.status).toBe("waiting_for_human");
    expect(errors(down.events).map((error) => error.code)).toEqual([
      "tools_unavailable",
      "tools_unavailable",
      "tools_unavailable",
    ]);
    expect(errors(down.events)[0]?.message).toMatch(/^MCP server "calc" did not answer/);
    expect(errors(down.events)[0]?.message).not.toContain("127.0.0.1");

    // Act: the server returns, a person says go on
    await server.start();
    const back = await runner.respond(down.threadId, {
      callId: down.pending?.callId ?? "",
      response: "the server is back",
    });

    // Assess
    expect(back.status).toBe("done");
    expect(server.calls.map((c) => c.args)).toEqual([{ a: 1, b: 2 }]);
  });

  it("keeps a saved call owed while its server is down, and runs it once when it is back", async () => {
    // Prepare: the server dies between the step that saves the call and the one that runs it
    const server = await serve({ tools: [add] });
    const inner = source({ name: "calc", url: server.url, cacheTtlMs: 0 });
    let listings = 0;
    const flaky: ToolSource = {
      name: "calc",
      tools: async () => {
        if (++listings === 2) await server.stop();
        if (listings === 3) await server.start();
        return inner.tools();
      },
    };
    const agent = defineAgent({ name: "calc", prompt: "p", tools: [doneForNow], mcp: [flaky] });
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("calc", "1 + 2?");

    // Assess: the outage is an error; the same call (its id, its key) ran once when it was back
    expect(result.status).toBe("done");
    expect(errors(result.events)).toEqual([expect.objectContaining({ code: "tools_unavailable" })]);
    expect(errors(result.events)[0]?.message).toMatch(/^MCP server "calc" did not answer/);
    expect(server.calls).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({ [IDEMPOTENCY_META_KEY]: `${result.threadId}:call_2` }),
      }),
    ]);
    expect(model.calls).toHaveLength(2);
  });

  it.each([
    ["listed afresh on every step", { cacheTtlMs: 0 }, {}],
    ["though its listing was cached (the server's hint and the default)", {}, { ttlMs: 60_000 }],
  ] as const)(
    "runs a call approved while its server is down once it is back, %s, with no second approval",
    async (_, options, hint) => {
      // Prepare
      const server = await serve({ tools: [deleteRecord], ...hint });
      const crm = source({ name: "crm", url: server.url, ...options });
      const agent = defineAgent({ name: "crm", prompt: "p", tools: [doneForNow], mcp: [crm] });
      const model = new ScriptedModel([
        call("delete_record", { id: "r1" }),
        call("done_for_now", { message: "deleted" }),
      ]);
      const runner = createRunner({ agents: [agent], model });
      const waiting = await runner.launch("crm", "delete r1");

      // Act: approved while the server is down (three strikes, a person is asked), then it is back
      await server.stop();
      const down = await runner.respond(waiting.threadId, {
        callId: waiting.pending?.callId ?? "",
        approved: true,
      });
      await server.start();
      const back = await runner.respond(down.threadId, {
        callId: down.pending?.callId ?? "",
        response: "the server is back",
      });

      // Assess: the call that met the dead server stayed owed (no tool_failed, no error naming
      // it), three strikes, then one call with the approved call's key and no second approval
      expect(down.pending).toMatchObject({ kind: "escalation" });
      expect(errors(down.events).map((error) => [error.code, error.callId])).toEqual([
        ["tools_unavailable", undefined],
        ["tools_unavailable", undefined],
        ["tools_unavailable", undefined],
      ]);
      expect(errors(down.events)[0]?.message).toMatch(/^MCP server "crm" did not answer/);
      expect(back.status).toBe("done");
      expect(server.calls).toEqual([
        expect.objectContaining({
          tool: "delete_record",
          meta: expect.objectContaining({
            [IDEMPOTENCY_META_KEY]: `${waiting.threadId}:${waiting.pending?.callId}`,
          }),
        }),
      ]);
      expect(types(back.events).filter((type) => type === "approval_requested")).toHaveLength(1);
      expect(model.calls).toHaveLength(2);
    },
  );

  it("keeps the model's call owed when its server dies under a cached listing, then runs it once", async () => {
    // Prepare: the listing is cached; the server dies between the step that saves the call and
    // the one that runs it, and is back for the step after
    const server = await serve({ tools: [add], ttlMs: 60_000 });
    const inner = source({ name: "calc", url: server.url });
    let listings = 0;
    const flaky: ToolSource = {
      name: "calc",
      tools: async () => {
        if (++listings === 2) await server.stop();
        if (listings === 3) await server.start();
        return inner.tools();
      },
    };
    const agent = defineAgent({ name: "calc", prompt: "p", tools: [doneForNow], mcp: [flaky] });
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);

    // Act
    const result = await createRunner({ agents: [agent], model }).launch("calc", "1 + 2?");

    // Assess: one outage error naming no call; the same call ran once, listed afresh
    expect(result.status).toBe("done");
    expect(errors(result.events)).toEqual([
      expect.objectContaining({ code: "tools_unavailable", detail: expect.any(String) }),
    ]);
    expect(errors(result.events)[0]).not.toHaveProperty("callId");
    expect(server.lists).toBe(2);
    expect(server.calls).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({ [IDEMPOTENCY_META_KEY]: `${result.threadId}:call_2` }),
      }),
    ]);
    expect(model.calls).toHaveLength(2);
  });

  it("pins the tool set it showed, and records what changed under the running thread", async () => {
    // Prepare
    const server = await serve({ tools: [add] });
    const inner = source({ name: "calc", url: server.url, cacheTtlMs: 0 });
    let listings = 0;
    const changing: ToolSource = {
      name: "calc",
      tools: async () => {
        // After the first call, the server's tools change: add's description, a new tool
        if (++listings === 2) {
          server.tools = [
            { ...add, description: "Add, v2." },
            { ...deleteRecord, annotations: {} },
          ];
        }
        return inner.tools();
      },
    };
    const agent = defineAgent({ name: "calc", prompt: "p", tools: [doneForNow], mcp: [changing] });
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("delete_record", { id: "r1" }),
      call("done_for_now", { message: "3" }),
    ]);
    const runner = createRunner({ agents: [agent], model });

    // Act
    const result = await runner.launch("calc", "1 + 2?");

    // Assess
    const sets = result.events.flatMap((event) => (event.type === "tool_set" ? [event.data] : []));
    expect(sets).toHaveLength(2);
    expect(sets[0]?.change).toBeUndefined();
    expect(Object.keys(sets[0]?.tools ?? {})).toEqual(["add", "done_for_now"]);
    expect(sets[1]?.change).toEqual({
      from: sets[0]?.fingerprint,
      added: ["delete_record"],
      removed: [],
      changed: ["add"],
    });
    expect(sets[1]?.fingerprint).not.toBe(sets[0]?.fingerprint);
    expect(types(result.events).filter((type) => type === "tool_set")).toHaveLength(2);
    // The model is told in a line which tools changed
    const prompt = model.calls.at(-2)?.messages.at(-1)?.content;
    expect(prompt).toContain(
      "<tools_changed>\nadded: delete_record\nchanged: add\n</tools_changed>",
    );
  });
});
