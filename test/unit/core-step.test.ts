import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { contextOf } from "../../shared/core/context.ts";
import { ModelError } from "../../shared/core/errors.ts";
import type { EventOf, ThreadEvent } from "../../shared/core/events.ts";
import { doneForNow, requestMoreInformation } from "../../shared/core/human-tools.ts";
import { fork, launch, respond } from "../../shared/core/lifecycle.ts";
import type { ModelReply } from "../../shared/core/ports.ts";
import { headAfter, step } from "../../shared/core/step.ts";
import { derivePending, type Thread } from "../../shared/core/thread.ts";
import { defineTool, type Tool } from "../../shared/core/tool.ts";
import { ToolError } from "../../shared/core/tool-error.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call, invalid, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle, saveThenRun, types, withEvent } from "../support/run.ts";

const clock = steppingClock();
const usage = { inputTokens: 321, outputTokens: 12 };
const withUsage = (reply: ModelReply): ModelReply => ({ ...reply, usage });

/** A sync tool that records the arguments it ran with, and fails while `failures` lasts. */
function recorder(name: string, failures: string[] = []) {
  const ran: unknown[] = [];
  const tool = defineTool({
    name,
    description: "records its arguments",
    input: z.object({ id: z.string() }),
    kind: "sync",
    run: (args) => {
      ran.push(args);
      const failure = failures.shift();
      if (failure !== undefined) throw new Error(failure);
      return `saved ${args.id}`;
    },
  });
  return { tool, ran };
}

/** An approval tool named `deploy` that records what it deployed. */
function deployTool(input: z.ZodObject = z.object({ tag: z.string() })) {
  const deployed: unknown[] = [];
  const tool = defineTool({
    name: "deploy",
    description: "deploys a tag once approved",
    input,
    kind: "approval",
    run: (args) => {
      deployed.push(args);
      return "deployed";
    },
  });
  return { tool, deployed };
}

const agentWith = (tools: Tool[], options: { maxConsecutiveErrors?: number } = {}) =>
  defineAgent({ name: "helper", prompt: "Help.", tools: [...tools, doneForNow], ...options });

const start = (agent = calculator, message = "go"): Thread =>
  launch({ agent, threadId: "thr_core", message, clock });

const errorOf = (events: readonly ThreadEvent[]) =>
  events.find((event): event is EventOf<"error"> => event.type === "error");

/** A thread of `agent` paused on an approval of `deploy` with `args`, then approved. */
async function approvedDeploy(agent: ReturnType<typeof agentWith>, args: unknown) {
  const paused = await runUntilIdle(start(agent), {
    agent,
    model: new ScriptedModel([call("deploy", args)]),
    clock,
  });
  const callId = derivePending(paused.thread.events)?.callId ?? "";
  return withEvent(paused.thread, respond(paused.thread, { callId, approved: true }, clock));
}

describe("Function: step", () => {
  describe("a done thread", () => {
    it("answers done with the thread's output and calls no model", async () => {
      // Prepare
      const model = new ScriptedModel([]);
      const done = await runUntilIdle(start(), {
        agent: calculator,
        model: new ScriptedModel([call("done_for_now", { message: "all done" })]),
        clock,
      });

      // Act
      const result = await step(done.thread, { agent: calculator, model, clock });

      // Assess
      expect(result).toEqual({ events: [], next: { type: "done", output: "all done" } });
      expect(model.calls).toHaveLength(0);
    });
  });

  describe("a thread waiting for a person", () => {
    it("stays paused on the question and calls no model", async () => {
      // Prepare
      const model = new ScriptedModel([]);
      const asked = await runUntilIdle(start(), {
        agent: calculator,
        model: new ScriptedModel([call("request_more_information", { message: "Which?" })]),
        clock,
      });

      // Act
      const result = await step(asked.thread, { agent: calculator, model, clock });

      // Assess
      expect(result).toEqual({
        events: [],
        next: {
          type: "pause",
          status: "waiting_for_human",
          pending: derivePending(asked.thread.events),
        },
      });
      expect(model.calls).toHaveLength(0);
    });
  });

  describe("a saved call of a tool that needs approval (a fork between the call and its request)", () => {
    it("asks for the approval and runs nothing", async () => {
      // Prepare: the source paused on deploy; the fork copies it up to the call
      const { tool, deployed } = deployTool();
      const agent = agentWith([tool]);
      const source = (
        await runUntilIdle(start(agent), {
          agent,
          model: new ScriptedModel([call("deploy", { tag: "v1.2.0" })]),
          clock,
        })
      ).thread;
      const request = source.events.at(-1);
      const forked = fork(source, { version: source.events.length - 1, threadId: "thr_2", clock });
      const model = new ScriptedModel([]);

      // Act
      const { events, next } = await step(forked, { agent, model, clock });

      // Assess
      expect(deployed).toEqual([]);
      expect(events).toEqual([{ ...request, at: expect.any(String) }]);
      expect(next).toMatchObject({ type: "pause", status: "waiting_for_approval" });
      expect(model.calls).toHaveLength(0);
    });
  });

  describe("an approved call", () => {
    it("runs once approved, then the same step asks the model what next", async () => {
      // Prepare
      const { tool, deployed } = deployTool();
      const agent = agentWith([tool]);
      const approved = await approvedDeploy(agent, { tag: "v1.2.0" });
      const model = new ScriptedModel([call("done_for_now", { message: "v1.2.0 is live" })]);

      // Act
      const { events, next } = await step(approved, { agent, model, clock });

      // Assess
      expect(deployed).toEqual([{ tag: "v1.2.0" }]);
      expect(types(events)).toEqual(["tool_result", "tool_call", "done"]);
      expect(next).toEqual({ type: "done", output: "v1.2.0 is live" });
    });

    it("whose tool the agent no longer has is an unknown_tool error, and the model is told", async () => {
      // Prepare: approved under an agent that had `deploy`, stepped by one that does not
      const { tool } = deployTool();
      const approved = await approvedDeploy(agentWith([tool]), { tag: "v1.2.0" });
      const redeployed = agentWith([recorder("save").tool]);
      const model = new ScriptedModel([call("done_for_now", { message: "cannot deploy" })]);

      // Act
      const { events } = await step(approved, { agent: redeployed, model, clock });

      // Assess
      const callId = derivePending(approved.events.slice(0, -1))?.callId;
      expect(events[0]).toEqual({
        type: "error",
        at: expect.any(String),
        data: { code: "unknown_tool", message: "unknown tool deploy", callId, tool: "deploy" },
      });
      expect(model.calls[0]?.messages[1]?.content).toContain(
        '<error tool="deploy">\nunknown tool deploy\n</error>',
      );
    });

    it("whose arguments no longer fit the tool's input does not run, and fails as the tool", async () => {
      // Prepare: approved for `{ tag }`; the tool now also needs a `region`
      const approved = await approvedDeploy(agentWith([deployTool().tool]), { tag: "v1.2.0" });
      const { tool, deployed } = deployTool(z.object({ tag: z.string(), region: z.string() }));
      const agent = agentWith([tool]);
      const model = new ScriptedModel([call("done_for_now", { message: "not deployed" })]);

      // Act
      const { events, next } = await step(approved, { agent, model, clock });

      // Assess
      expect(deployed).toEqual([]);
      expect(types(events)).toEqual(["error", "tool_call", "done"]);
      expect(errorOf(events)?.data).toMatchObject({ code: "tool_failed", tool: "deploy" });
      expect(errorOf(events)?.data.message).toMatch(/^deploy failed: invalid arguments: region: /);
      expect(next.type).toBe("done");
    });

    it("that fails escalates before any model call when that is one error too many", async () => {
      // Prepare
      const model = new ScriptedModel([call("divide", { a: 1, b: 0 })]);
      const agent = defineAgent({ ...calculator, name: "strict", maxConsecutiveErrors: 1 });
      const paused = await runUntilIdle(start(agent), { agent, model, clock });
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const approved = withEvent(
        paused.thread,
        respond(paused.thread, { callId, approved: true }, clock),
      );
      const next = new ScriptedModel([]);

      // Act
      const result = await step(approved, { agent, model: next, clock });

      // Assess
      expect(next.calls).toHaveLength(0);
      expect(types(result.events)).toEqual(["error", "human_input_requested"]);
      expect(result.next).toMatchObject({
        type: "pause",
        status: "waiting_for_human",
        pending: {
          tool: "escalation",
          args: { reason: "too_many_errors" },
          message:
            "Escalated after 1 consecutive errors; the last: divide failed: RangeError: division by zero. " +
            "Reply with guidance and the agent continues.",
        },
      });
    });
  });

  describe("a failing sync tool", () => {
    it("is a tool_failed error, and three failures in a row escalate", async () => {
      // Prepare
      const { tool, ran } = recorder("save", ["disk full", "disk full", "disk full"]);
      const agent = agentWith([tool]);
      const model = new ScriptedModel([
        call("save", { id: "a" }),
        call("save", { id: "a" }),
        call("save", { id: "a" }),
      ]);

      // Act
      const paused = await runUntilIdle(start(agent), { agent, model, clock });

      // Assess
      expect(ran).toHaveLength(3);
      // Three steps save the three calls; the fourth runs the last and escalates
      expect(paused.steps).toBe(4);
      expect(errorOf(paused.thread.events)?.data).toEqual({
        code: "tool_failed",
        message: "save failed: Error: disk full",
        callId: "call_1",
        tool: "save",
        detail: "Error: disk full",
      });
      expect(paused.next).toMatchObject({
        type: "pause",
        pending: { args: { reason: "too_many_errors" } },
      });
    });

    it("shows the model at most 200 characters of an error's first line, and keeps the text in detail", async () => {
      // Prepare
      const { tool } = recorder("save", [
        `${"x".repeat(2000)}\n    at run (/srv/app/tools.js:1:2)`,
      ]);
      const agent = agentWith([tool]);
      const model = new ScriptedModel([call("save", { id: "a" }), call("done_for_now", {})]);

      // Act
      const { ran } = await saveThenRun(start(agent), { agent, model, clock });

      // Assess
      expect(errorOf(ran)?.data.message).toBe(`save failed: Error: ${"x".repeat(200)}`);
      expect(errorOf(ran)?.data.detail).toBe(`Error: ${"x".repeat(2000)}`.slice(0, 2000));
    });

    it("shows the model no internal host, URL or address, nor puts one in the escalation", async () => {
      // Prepare: a tool whose client names the internal service it could not reach, three times
      const internal = [
        "request to http://payments.svc.cluster.local:8080/v1/refunds failed, reason: socket hang up",
        "connect ECONNREFUSED 10.0.3.7:5432",
        "getaddrinfo ENOTFOUND ledger.internal",
      ];
      const { tool } = recorder("refund", [...internal]);
      const agent = agentWith([tool]);
      const model = new ScriptedModel(internal.map(() => call("refund", { id: "a" })));

      // Act
      const paused = await runUntilIdle(start(agent), { agent, model, clock });

      // Assess: the model's context and the escalation name the failure, never the hosts
      const errors = paused.thread.events.filter((event) => event.type === "error");
      expect(errors.map((event) => event.data.message)).toEqual([
        "refund failed: Error: request to <host> failed, reason: socket hang up",
        "refund failed: Error: connect ECONNREFUSED <host>",
        "refund failed: Error: getaddrinfo ENOTFOUND <host>",
      ]);
      expect(errors.map((event) => event.data.detail)).toEqual(internal.map((m) => `Error: ${m}`));
      const shown = JSON.stringify([paused.next, contextOf(agent, paused.thread)]);
      for (const secret of ["payments.svc", "10.0.3.7", "ledger.internal", "8080"]) {
        expect(shown).not.toContain(secret);
      }
    });

    it("shows a ToolError's message as it is: the tool's words for the model", async () => {
      // Prepare
      const lookup = defineTool({
        name: "lookup",
        description: "finds an order",
        input: z.object({ id: z.string() }),
        kind: "sync",
        run: ({ id }) => {
          throw new ToolError(`no order ${id} at orders.example.com: call list_orders for the ids`);
        },
      });
      const agent = agentWith([lookup]);
      const model = new ScriptedModel([call("lookup", { id: "42" }), call("done_for_now", {})]);

      // Act
      const { ran } = await saveThenRun(start(agent), { agent, model, clock });

      // Assess
      expect(errorOf(ran)?.data.message).toBe(
        "lookup failed: no order 42 at orders.example.com: call list_orders for the ids",
      );
    });

    it("shows a thrown value that is not an Error as it is", async () => {
      // Prepare
      const tool = defineTool({
        name: "flaky",
        description: "throws a string",
        input: z.object({}),
        kind: "sync",
        run: () => {
          throw "connection reset";
        },
      });
      const agent = agentWith([tool]);

      // Act
      const { ran } = await saveThenRun(start(agent), {
        agent,
        model: new ScriptedModel([call("flaky", {}), call("done_for_now", {})]),
        clock,
      });

      // Assess
      expect(errorOf(ran)?.data.message).toBe("flaky failed: connection reset");
    });
  });

  describe("invalid arguments", () => {
    it("name each problem by its path, and (root) for arguments that are no object", async () => {
      // Prepare
      const place = defineTool({
        name: "place",
        description: "places an order",
        input: z.object({ order: z.object({ id: z.string(), qty: z.number() }) }),
        kind: "sync",
        run: () => "placed",
      });
      const agent = agentWith([place]);
      const model = new ScriptedModel([
        call("place", { order: { id: 7, qty: "two" } }),
        call("place", "two apples"),
      ]);

      // Act
      const first = await step(start(agent), { agent, model, clock });
      const thread = { ...start(agent), events: [...start(agent).events, ...first.events] };
      const second = await step(thread, { agent, model, clock });

      // Assess
      expect(errorOf(first.events)?.data.message).toMatch(
        /^invalid arguments: order\.id: [^;]+; order\.qty: [^;]+$/,
      );
      expect(errorOf(second.events)?.data.message).toMatch(/^invalid arguments: \(root\): /);
    });
  });

  describe("the model's token usage", () => {
    it("is kept on the tool call it chose and on a reply it got wrong", async () => {
      // Prepare
      const { tool } = recorder("save");
      const agent = agentWith([tool]);

      // Act
      const first = await step(start(agent), {
        agent,
        model: new ScriptedModel([withUsage(call("save", { id: "a" }))]),
        clock,
      });
      const wrong = await step(start(agent), {
        agent,
        model: new ScriptedModel([withUsage(invalid("two tool calls"))]),
        clock,
      });

      // Assess
      expect(first.events[0]?.data).toEqual({
        callId: "call_1",
        tool: "save",
        args: { id: "a" },
        source: "model",
        usage,
      });
      expect(wrong.events[0]?.data).toEqual({
        code: "model_reply",
        message: "two tool calls",
        usage,
      });
    });

    it("is left out when the model reports none", async () => {
      const { tool } = recorder("save");
      const agent = agentWith([tool]);
      const { events } = await step(start(agent), {
        agent,
        model: new ScriptedModel([call("save", { id: "a" })]),
        clock,
      });
      expect(events[0]?.data).not.toHaveProperty("usage");
    });
  });

  describe("call ids", () => {
    it("are the index the call's first event takes in the thread, prefetch_<n> for prefetch", async () => {
      // Prepare: one prefetch call (events 1 and 2) before the model's call
      const listed = recorder("list");
      const saved = recorder("save");
      const agent = defineAgent({
        name: "helper",
        prompt: "Help.",
        tools: [listed.tool, saved.tool, doneForNow],
        prefetch: [{ tool: listed.tool, args: { id: "all" } }],
      });
      const model = new ScriptedModel([call("save", { id: "a" })]);

      // Act
      const first = await step(start(agent), { agent, model, clock });

      // Assess
      expect(first.events.map((event) => (event.data as { callId?: string }).callId)).toEqual([
        "prefetch_0",
        "prefetch_0",
        "call_3",
      ]);
    });

    it("give an escalation the index it takes after the step's own events", async () => {
      // Prepare
      const agent = defineAgent({ ...calculator, name: "strict", maxConsecutiveErrors: 1 });
      const model = new ScriptedModel([invalid("text only")]);

      // Act
      const { events, next } = await step(start(agent), { agent, model, clock });

      // Assess
      expect(types(events)).toEqual(["error", "human_input_requested"]);
      expect(next).toMatchObject({ type: "pause", pending: { callId: "call_2" } });
    });
  });

  describe("escalation messages", () => {
    it("say how many model steps ran when the step cap is reached", async () => {
      // Prepare
      const agent = defineAgent({ ...calculator, name: "tiny", maxSteps: 1 });
      const model = new ScriptedModel([call("add", { a: 1, b: 1 })]);

      // Act
      const paused = await runUntilIdle(start(agent), { agent, model, clock });

      // Assess
      expect(derivePending(paused.thread.events)?.message).toBe(
        "Escalated after 1 model steps without human input. Reply and the agent continues.",
      );
    });

    it("say what to fix when the model rejects the request", async () => {
      // Prepare
      const model = new ScriptedModel([new ModelError("401 invalid key", { retryable: false })]);

      // Act
      const { next } = await step(start(), { agent: calculator, model, clock });

      // Assess
      expect(next).toMatchObject({
        pending: {
          message:
            "Escalated because the model rejected the request (model failed: 401 invalid key). " +
            "Fix the model configuration, then reply and the agent continues.",
        },
      });
    });
  });

  describe("a tool of a kind the reducer does not know", () => {
    it("is refused with a TypeError, not skipped", async () => {
      // Prepare: a tool object made by hand, without defineTool
      const { tool } = recorder("save");
      const odd = { ...tool, kind: "background" } as unknown as Tool;
      const agent = defineAgent({ name: "odd", prompt: "p", tools: [odd, doneForNow] });
      const model = new ScriptedModel([call("save", { id: "a" })]);

      // Act + Assess
      await expect(step(start(agent), { agent, model, clock })).rejects.toThrow(
        /^unknown tool kind in .*"kind":"background"/,
      );
    });
  });

  describe("human and terminal tools", () => {
    it("end the thread with the terminal call's message, recorded on the done event", async () => {
      const model = new ScriptedModel([call("done_for_now", { message: "42" })]);
      const { events, next } = await step(start(), { agent: calculator, model, clock });
      expect(events[1]).toEqual({
        type: "done",
        at: expect.any(String),
        data: { callId: "call_1", output: "42" },
      });
      expect(next).toEqual({ type: "done", output: "42" });
    });

    it("show all the arguments when the call has no message", async () => {
      // Prepare
      const answer = defineTool({
        name: "answer",
        description: "the final answer",
        input: z.object({ value: z.number(), unit: z.string() }),
        kind: "terminal",
      });
      const confirm = defineTool({
        name: "confirm",
        description: "asks a person to confirm an order",
        input: z.object({ order: z.string(), qty: z.number() }),
        kind: "human",
      });
      const agent = defineAgent({
        name: "shop",
        prompt: "p",
        tools: [answer, confirm, doneForNow],
      });

      // Act
      const asked = await step(start(agent), {
        agent,
        model: new ScriptedModel([call("confirm", { order: "apples", qty: 2 })]),
        clock,
      });
      const answered = await step(start(agent), {
        agent,
        model: new ScriptedModel([call("answer", { value: 42, unit: "kg" })]),
        clock,
      });

      // Assess
      expect(asked.next).toMatchObject({ pending: { message: "order: apples\nqty: 2" } });
      expect(answered.next).toEqual({ type: "done", output: "value: 42\nunit: kg" });
    });

    it("ask the person the question of a human tool", async () => {
      const agent = defineAgent({
        name: "asker",
        prompt: "p",
        tools: [requestMoreInformation, doneForNow],
      });
      const model = new ScriptedModel([call("request_more_information", { message: "Which?" })]);
      const { events } = await step(start(agent), { agent, model, clock });
      expect(events[1]?.data).toEqual({
        callId: "call_1",
        tool: "request_more_information",
        args: { message: "Which?" },
        message: "Which?",
        reason: "tool",
      });
    });
  });
});

describe("Function: headAfter", () => {
  it("refuses a step that appended nothing, saying so", () => {
    expect(() => headAfter({ events: [], next: { type: "continue" } })).toThrow(
      new TypeError("a step without events leaves the head as it was"),
    );
  });
});
