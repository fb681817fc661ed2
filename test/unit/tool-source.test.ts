import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { ToolSource } from "../../shared/core/ports.ts";
import { step } from "../../shared/core/step.ts";
import { deriveDanglingCall, type Thread } from "../../shared/core/thread.ts";
import { defineTool, type Tool } from "../../shared/core/tool.ts";
import {
  printToolSet,
  ToolSourceError,
  toolSetChange,
  withSourceTools,
} from "../../shared/core/tool-source.ts";
import { checkToolSources } from "../../shared/runtime/check-tool-sources.ts";
import { agentForStep } from "../../shared/runtime/resolve-tools.ts";
import { call, ScriptedModel, steppingClock, toolCall } from "../../shared/testing/index.ts";
import { withEvent } from "../support/run.ts";

const remote = (name: string, description = "remote"): Tool =>
  defineTool({
    name,
    description,
    parameters: { type: "object", properties: { q: { type: "string" } } },
    kind: "sync",
    run: () => "remote",
  });
const local = defineTool({
  name: "local",
  description: "local",
  input: z.object({}),
  kind: "sync",
  run: () => "local",
});
const source = (name: string, tools: () => readonly Tool[]): ToolSource => ({
  name,
  tools: async () => tools(),
});

/** Three steps of `thread`, each on the events the last appended: the events and outcomes. */
async function stepThrice(thread: Thread, deps: Parameters<typeof step>[1]) {
  const outcomes: { types: string[]; next: string }[] = [];
  let current = thread;
  for (let i = 0; i < 3; i++) {
    const { events, next } = await step(current, deps);
    current = { ...current, events: [...current.events, ...events] };
    outcomes.push({ types: events.map((event) => event.type), next: next.type });
  }
  return { thread: current, outcomes };
}

describe("Function: withSourceTools", () => {
  it("puts a source's tools beside the agent's own, found by name", () => {
    // Prepare
    const agent = defineAgent({ name: "a", prompt: "p", tools: [local, doneForNow] });

    // Act
    const resolved = withSourceTools(agent, [{ source: "s", tools: [remote("find")] }]);

    // Assess
    expect(resolved.tools.map((tool) => tool.name)).toEqual(["local", "done_for_now", "find"]);
    expect(resolved.tool("find")?.description).toBe("remote");
    expect(agent.tool("find")).toBeUndefined();
  });

  it("refuses a name two sources share, or one the agent's own tools have", () => {
    const agent = defineAgent({ name: "a", prompt: "p", tools: [local, doneForNow] });
    expect(() =>
      withSourceTools(agent, [
        { source: "one", tools: [remote("find")] },
        { source: "two", tools: [remote("find")] },
      ]),
    ).toThrow(
      new ConfigError(
        'agent "a": MCP server "two" has a tool named "find", as MCP server "one" does: give mcpServer({ name: "two" }) a prefix',
      ),
    );
    expect(() => withSourceTools(agent, [{ source: "one", tools: [remote("local")] }])).toThrow(
      /as one of the agent's own tools does/,
    );
  });
});

describe("Function: printToolSet", () => {
  it("prints equal sets alike whatever the order, and names what changed", () => {
    const before = printToolSet([remote("a"), remote("b"), remote("c")]);
    const same = printToolSet([remote("c"), remote("a"), remote("b")]);
    const after = printToolSet([remote("a", "new words"), remote("c"), remote("d")]);
    expect(same).toEqual(before);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(toolSetChange(before.tools, after.tools)).toEqual({
      added: ["d"],
      removed: ["b"],
      changed: ["a"],
    });
  });
});

describe("Function: step, its tool sources unavailable", () => {
  const clock = steppingClock();
  const agent = defineAgent({
    name: "a",
    prompt: "p",
    tools: [local, doneForNow],
    mcp: [source("s", () => [remote("find")])],
  });

  it("records the outage as a tools_unavailable error and asks the model nothing", async () => {
    // Prepare
    const thread = launch({ agent, threadId: "thr_1", message: "go", clock });
    const model = new ScriptedModel([]);

    // Act
    const { events, next } = await step(thread, {
      agent,
      model,
      clock,
      toolsUnavailable: 'MCP server "s" did not answer',
    });

    // Assess
    expect(events.map((event) => [event.type, "code" in event.data && event.data.code])).toEqual([
      ["error", "tools_unavailable"],
    ]);
    expect(next).toEqual({ type: "continue" });
    expect(model.calls).toHaveLength(0);
  });

  it("still runs a saved call of the agent's own tool", async () => {
    // Prepare
    const thread = withEvent(
      launch({ agent, threadId: "thr_2", message: "go", clock }),
      toolCall("call_1", "local", {}),
    );

    // Act
    const { events } = await step(thread, {
      agent,
      model: new ScriptedModel([]),
      clock,
      toolsUnavailable: "down",
    });

    // Assess
    expect(events.map((event) => event.type)).toEqual(["tool_result", "error"]);
  });
});

describe("Function: step, a call owed to a source that is down", () => {
  const clock = steppingClock();
  let ran = 0;
  const find = defineTool({
    name: "find",
    description: "remote",
    parameters: { type: "object", properties: {} },
    kind: "sync",
    run: (_args, context) => `found (${context.idempotencyKey}, run ${++ran})`,
  });
  const agent = defineAgent({
    name: "a",
    prompt: "p",
    tools: [doneForNow],
    mcp: [source("s", () => [find])],
  });
  const resolved = withSourceTools(agent, [{ source: "s", tools: [find] }]);
  const down = { agent, model: new ScriptedModel([]), clock, toolsUnavailable: "down" };
  const saved = () =>
    withEvent(
      launch({ agent, threadId: "thr_o", message: "go", clock }),
      toolCall("call_1", "find"),
    );

  it("keeps it owed through the outage and its escalation, then runs it once, same id and key", async () => {
    // Prepare
    ran = 0;
    let thread = saved();

    // Act: three steps while the source is down
    const stepped = await stepThrice(thread, down);
    thread = stepped.thread;
    const { outcomes } = stepped;

    // Assess: the call is still owed, never closed as failed; three strikes escalate
    expect(outcomes).toEqual([
      { types: ["error"], next: "continue" },
      { types: ["error"], next: "continue" },
      { types: ["error", "human_input_requested"], next: "pause" },
    ]);
    expect(thread.events.filter((event) => event.type === "error")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ code: "tools_unavailable" }) }),
      expect.anything(),
      expect.anything(),
    ]);
    expect(deriveDanglingCall(thread.events)).toMatchObject({ callId: "call_1", tool: "find" });

    // Act: a person replies; the source answers again
    const escalation = thread.events.at(-1);
    thread = withEvent(thread, {
      type: "human_response",
      at: clock.now().toISOString(),
      data: {
        callId: escalation?.type === "human_input_requested" ? escalation.data.callId : "",
        response: "back",
      },
    });
    const { events } = await step(thread, {
      ...down,
      agent: resolved,
      model: new ScriptedModel([call("done_for_now", { message: "ok" })]),
      toolsUnavailable: undefined,
    });

    // Assess
    expect(events[0]).toMatchObject({
      type: "tool_result",
      data: { callId: "call_1", result: "found (thr_o:call_1, run 1)" },
    });
    expect(ran).toBe(1);
  });

  it("escalates at once when the sources cannot be listed until a person fixes them", async () => {
    // Act
    const { events, next } = await step(saved(), { ...down, toolsRetryable: false });

    // Assess
    expect(events.map((event) => event.type)).toEqual(["error", "human_input_requested"]);
    expect(next).toMatchObject({ type: "pause", pending: { reason: "tools_unusable" } });
    expect(events[1]).toMatchObject({
      data: {
        message: expect.stringMatching(
          /^Escalated because the agent's tools could not be listed \(down\)/,
        ),
      },
    });
  });
});

describe("Function: step, a call whose run finds its source gone (the listing was cached)", () => {
  const clock = steppingClock();
  let gone: ToolSourceError | undefined;
  let ran = 0;
  const find = defineTool({
    name: "find",
    description: "remote",
    parameters: { type: "object", properties: {} },
    kind: "sync",
    run: (_args, context) => {
      ran++;
      if (gone) throw gone;
      return `found (${context.idempotencyKey})`;
    },
  });
  const agent = defineAgent({
    name: "a",
    prompt: "p",
    tools: [doneForNow],
    mcp: [source("s", () => [find])],
  });
  const resolved = withSourceTools(agent, [{ source: "s", tools: [find] }]);
  const saved = () =>
    withEvent(
      launch({ agent, threadId: "thr_g", message: "go", clock }),
      toolCall("call_1", "find"),
    );
  const down = (retryable: boolean) =>
    new ToolSourceError("s", 'MCP server "s" did not answer (TypeError: fetch failed)', {
      retryable,
    });

  it("keeps the call owed: one tools_unavailable naming no call, three strikes, then one run", async () => {
    // Prepare
    gone = down(true);
    ran = 0;
    const model = new ScriptedModel([call("done_for_now", { message: "ok" })]);
    let thread = saved();

    // Act: three steps while the source is gone
    const stepped = await stepThrice(thread, { agent: resolved, model, clock });
    thread = stepped.thread;
    const { outcomes } = stepped;

    // Assess: never tool_failed, the model is not asked, the call is still owed
    expect(outcomes).toEqual([
      { types: ["error"], next: "continue" },
      { types: ["error"], next: "continue" },
      { types: ["error", "human_input_requested"], next: "pause" },
    ]);
    const errors = thread.events.flatMap((event) => (event.type === "error" ? [event.data] : []));
    expect(errors[0]).toEqual({
      code: "tools_unavailable",
      message: 'MCP server "s" did not answer (TypeError: fetch failed)',
      detail: expect.stringContaining("ToolSourceError"),
    });
    expect(model.calls).toHaveLength(0);
    expect(deriveDanglingCall(thread.events)).toMatchObject({ callId: "call_1", tool: "find" });

    // Act: a person replies; the source answers again
    gone = undefined;
    const escalation = thread.events.at(-1);
    thread = withEvent(thread, {
      type: "human_response",
      at: clock.now().toISOString(),
      data: {
        callId: escalation?.type === "human_input_requested" ? escalation.data.callId : "",
        response: "back",
      },
    });
    const { events } = await step(thread, { agent: resolved, model, clock });

    // Assess: the same call, its key
    expect(events[0]).toMatchObject({
      type: "tool_result",
      data: { callId: "call_1", result: "found (thr_g:call_1)" },
    });
    expect(ran).toBe(4);
  });

  it("escalates at once when the source will not answer until a person fixes it", async () => {
    gone = down(false);
    const { events, next } = await step(saved(), {
      agent: resolved,
      model: new ScriptedModel([]),
      clock,
    });
    expect(events.map((event) => event.type)).toEqual(["error", "human_input_requested"]);
    expect(next).toMatchObject({ type: "pause", pending: { reason: "tools_unusable" } });
  });

  it("records one outage when the listing failed too and the owed call was the agent's own", async () => {
    // Prepare: the agent's own tool is the gone source's client (it throws the same error)
    gone = down(true);
    const own = defineAgent({ name: "a", prompt: "p", tools: [find, doneForNow] });

    // Act
    const { events, next } = await step(saved(), {
      agent: own,
      model: new ScriptedModel([]),
      clock,
      toolsUnavailable: "down",
    });

    // Assess
    expect(events).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ code: "tools_unavailable", message: gone.message }),
      }),
    ]);
    expect(next.type).toBe("continue");
  });
});

describe("Function: agentForStep", () => {
  const clock = steppingClock();

  it("lists the sources only for a running thread's step", async () => {
    // Prepare
    let lists = 0;
    const agent = defineAgent({
      name: "a",
      prompt: "p",
      tools: [doneForNow],
      mcp: [
        source("s", () => {
          lists++;
          return [remote("find")];
        }),
      ],
    });
    const running = launch({ agent, threadId: "thr_3", message: "go", clock });
    const finished = withEvent(running, {
      type: "done",
      at: clock.now().toISOString(),
      data: { callId: "call_1", output: "ok" },
    });

    // Act
    const forRunning = await agentForStep(agent, running);
    const forFinished = await agentForStep(agent, finished);

    // Assess
    expect(forRunning.agent.tool("find")).toBeDefined();
    expect(forFinished.agent).toBe(agent);
    expect(lists).toBe(1);
  });

  it("turns a source that throws into the reason the step records, never a throw", async () => {
    const agent = defineAgent({
      name: "a",
      prompt: "p",
      tools: [doneForNow],
      mcp: [
        {
          name: "s",
          tools: async () => {
            throw new Error("connect ECONNREFUSED 10.0.0.7:443");
          },
        },
      ],
    });
    const thread = launch({ agent, threadId: "thr_4", message: "go", clock });
    expect(await agentForStep(agent, thread)).toEqual({
      agent,
      toolsUnavailable: "Error: connect ECONNREFUSED <host>",
    });
  });

  it("says when the sources will not answer until a person fixes them (not retryable)", async () => {
    const refusing = (retryable: boolean): ToolSource => ({
      name: "s",
      tools: async () => {
        throw new ToolSourceError("s", 'MCP server "s" refused the credentials (HTTP 401)', {
          retryable,
        });
      },
    });
    const agent = (retryable: boolean) =>
      defineAgent({ name: "a", prompt: "p", tools: [doneForNow], mcp: [refusing(retryable)] });
    const thread = launch({ agent: agent(false), threadId: "thr_5", message: "go", clock });
    expect(await agentForStep(agent(false), thread)).toMatchObject({ toolsRetryable: false });
    expect(await agentForStep(agent(true), thread)).not.toHaveProperty("toolsRetryable");
  });
});

describe("Function: defineAgent, its mcp option", () => {
  it("refuses what is not a tool source, and two sources of one name", () => {
    const define = (mcp: unknown) => () =>
      defineAgent({ name: "a", prompt: "p", tools: [doneForNow], mcp: mcp as ToolSource[] });
    expect(define([{ name: "x" }])).toThrow(/mcp holds something that is not an mcpServer/);
    expect(define([source("x", () => []), source("x", () => [])])).toThrow(
      'agent "a" has two MCP servers named "x"',
    );
  });
});

describe("Function: defineAgent, names its sources declare", () => {
  const declaring = (name: string, declaredTools: string[]): ToolSource => ({
    name,
    declaredTools,
    tools: async () => declaredTools.map((tool) => remote(tool)),
  });

  it("refuses a declared name the agent's own tools have, before anything is listed", () => {
    expect(() =>
      defineAgent({
        name: "a",
        prompt: "p",
        tools: [local, doneForNow],
        mcp: [declaring("crm", ["find", "local"])],
      }),
    ).toThrow(
      new ConfigError(
        'agent "a": MCP server "crm" has a tool named "local", as one of its own tools does: give mcpServer({ name: "crm" }) a prefix',
      ),
    );
  });

  it("refuses a name two sources declare, and accepts distinct ones", () => {
    const define = (sources: ToolSource[]) =>
      defineAgent({ name: "a", prompt: "p", tools: [local, doneForNow], mcp: sources });
    expect(() => define([declaring("one", ["find"]), declaring("two", ["find"])])).toThrow(
      'MCP server "two" has a tool named "find", as MCP server "one" does',
    );
    expect(define([declaring("one", ["find"]), declaring("two", ["two_find"])]).mcp).toHaveLength(
      2,
    );
  });
});

describe("Function: checkToolSources", () => {
  const agentWith = (sources: ToolSource[]) =>
    defineAgent({ name: "a", prompt: "p", tools: [local, doneForNow], mcp: sources });

  it("throws a clash between two sources' listings at start, naming both", async () => {
    const agent = agentWith([
      source("one", () => [remote("find")]),
      source("two", () => [remote("find")]),
    ]);
    await expect(checkToolSources([agent])).rejects.toThrow(
      new ConfigError(
        'agent "a": MCP server "two" has a tool named "find", as MCP server "one" does: give mcpServer({ name: "two" }) a prefix',
      ),
    );
  });

  it("throws a clash of a listed tool with the agent's own", async () => {
    const agent = agentWith([source("crm", () => [remote("local")])]);
    await expect(checkToolSources([agent])).rejects.toThrow(
      /"local", as one of the agent's own tools/,
    );
  });

  it("reports a source that fails or does not answer in time, and lists the rest", async () => {
    const agent = agentWith([
      source("down", () => {
        throw new Error("connect ECONNREFUSED 10.0.0.7:443");
      }),
      { name: "slow", tools: () => new Promise<readonly Tool[]>(() => {}) },
      source("up", () => [remote("find"), remote("get")]),
    ]);

    const report = await checkToolSources([agent], { timeoutMs: 50 });

    expect(report.listed).toEqual([{ agent: "a", source: "up", tools: 2 }]);
    expect(report.unanswered.map(({ source }) => source).sort()).toEqual(["down", "slow"]);
    expect(report.unanswered.find(({ source }) => source === "slow")?.reason).toMatch(/50 ms/);
  });

  it("throws what no retry fixes (a refused credential) as a one-line setting error", async () => {
    const refused: ToolSource = {
      name: "crm",
      tools: async () => {
        throw new ToolSourceError("crm", 'MCP server "crm" refused the credentials (HTTP 401)', {
          retryable: false,
        });
      },
    };
    await expect(checkToolSources([agentWith([refused])])).rejects.toThrow(
      new ConfigError('agent "a": MCP server "crm" refused the credentials (HTTP 401)'),
    );
  });

  it("clears a source's cache after a listing that outlived the timeout", async () => {
    let finish: (tools: readonly Tool[]) => void = () => {};
    let refreshed = 0;
    const slow: ToolSource = {
      name: "slow",
      tools: () => new Promise<readonly Tool[]>((done) => (finish = done)),
      refresh: () => refreshed++,
    };
    await checkToolSources([agentWith([slow])], { timeoutMs: 10 });
    expect(refreshed).toBe(0);
    finish([remote("find")]);
    await new Promise((done) => setImmediate(done));
    expect(refreshed).toBe(1);
  });

  it("clears each source's cache, so the first step lists its tools again", async () => {
    let refreshed = 0;
    const agent = agentWith([
      { ...source("up", () => [remote("find")]), refresh: () => refreshed++ },
    ]);
    await checkToolSources([agent]);
    expect(refreshed).toBe(1);
  });
});
