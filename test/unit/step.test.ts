import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  ConfigError,
  contextOf,
  defineAgent,
  defineTool,
  derivePending,
  deriveStatus,
  doneForNow,
  type EventOf,
  fork,
  headAfter,
  launch,
  ModelError,
  type ModelReply,
  requestMoreInformation,
  respond,
  ScriptError,
  step,
  type Thread,
  type ThreadEvent,
  type Tool,
  type ToolContext,
  ToolError,
} from "../../shared/core/index.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import {
  call,
  done,
  failed,
  invalid,
  ScriptedModel,
  steppingClock,
  threadError,
} from "../../shared/testing/index.ts";
import { runUntilIdle, saveThenRun, types, withEvent } from "../support/run.ts";

const clock = steppingClock();
const start = (message: string, agent = calculator): Thread =>
  launch({ agent, threadId: "thr_test", message, clock });
const last = <T extends ThreadEvent["type"]>(thread: Thread, type: T) =>
  thread.events.findLast((e): e is EventOf<T> => e.type === type);
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

/** A thread of `agent` launched with `message`. */
const launchWith = (agent = calculator, message = "go"): Thread =>
  launch({ agent, threadId: "thr_core", message, clock });

const errorOf = (events: readonly ThreadEvent[]) =>
  events.find((event): event is EventOf<"error"> => event.type === "error");

/** A thread of `agent` paused on an approval of `deploy` with `args`, then approved. */
async function approvedDeploy(agent: ReturnType<typeof agentWith>, args: unknown) {
  const paused = await runUntilIdle(launchWith(agent), {
    agent,
    model: new ScriptedModel([call("deploy", args)]),
    clock,
  });
  const callId = derivePending(paused.thread.events)?.callId ?? "";
  return withEvent(paused.thread, respond(paused.thread, { callId, approved: true }, clock));
}

describe("Function: step", () => {
  describe("a full calculator run", () => {
    it("adds, waits for approval of a division, runs it once approved, and finishes", async () => {
      // Prepare
      const model = new ScriptedModel([
        call("add", { a: 3, b: 4 }),
        call("divide", { a: 7, b: 2 }),
        call("done_for_now", { message: "(3 + 4) / 2 = 3.5" }),
      ]);
      const deps = { agent: calculator, model, clock };

      // Act: run until the approval pause
      const paused = await runUntilIdle(start("(3 + 4) / 2?"), deps);

      // Assess
      expect(paused.next).toMatchObject({ type: "pause", status: "waiting_for_approval" });
      expect(deriveStatus(paused.thread.events)).toBe("waiting_for_approval");
      const pending = derivePending(paused.thread.events);
      expect(pending).toMatchObject({ kind: "approval", tool: "divide", args: { a: 7, b: 2 } });
      expect(last(paused.thread, "tool_result")?.data.result).toBe(7);

      // Act: approve, run to the end
      const approval = respond(
        paused.thread,
        { callId: pending?.callId ?? "", approved: true },
        clock,
      );
      const done = await runUntilIdle(withEvent(paused.thread, approval), deps);

      // Assess
      expect(done.next).toEqual({ type: "done", output: "(3 + 4) / 2 = 3.5" });
      expect(deriveStatus(done.thread.events)).toBe("done");
      expect(last(done.thread, "tool_result")?.data).toEqual({
        callId: pending?.callId,
        tool: "divide",
        result: 3.5,
      });
      expect(types(done.thread.events)).toEqual([
        "user_message",
        "tool_call",
        "tool_result",
        "tool_call",
        "approval_requested",
        "approval_decision",
        "tool_result",
        "tool_call",
        "done",
      ]);
      model.assertDone();
    });

    it("makes exactly one model call per step", async () => {
      const model = new ScriptedModel([call("add", { a: 1, b: 1 })]);
      const result = await step(start("1 + 1"), { agent: calculator, model, clock });
      expect(model.calls).toHaveLength(1);
      expect(result.next).toEqual({ type: "continue" });
    });

    it("gives the same events for the same thread and model answers", async () => {
      const run = async () =>
        step(start("1 + 1"), {
          agent: calculator,
          model: new ScriptedModel([call("add", { a: 1, b: 1 })]),
          clock: steppingClock(),
        });
      expect(await run()).toEqual(await run());
    });
  });

  describe("a rejected approval", () => {
    it("appends the rejection with its comment, and the model sees it and tries another way", async () => {
      // Prepare
      const model = new ScriptedModel([
        call("divide", { a: 8, b: 2 }),
        call("multiply", { a: 8, b: 0.5 }),
        call("done_for_now", { message: "4" }),
      ]);
      const deps = { agent: calculator, model, clock };
      const paused = await runUntilIdle(start("8 / 2"), deps);
      const callId = derivePending(paused.thread.events)?.callId ?? "";

      // Act
      const rejection = respond(
        paused.thread,
        { callId, approved: false, comment: "no divisions today, multiply by 0.5" },
        clock,
      );
      const done = await runUntilIdle(withEvent(paused.thread, rejection), deps);

      // Assess: the divide never ran, the model was shown the rejection
      expect(done.next).toEqual({ type: "done", output: "4" });
      const results = done.thread.events.filter((e) => e.type === "tool_result");
      expect(results.map((e) => e.data.tool)).toEqual(["multiply"]);
      const context = model.calls[1]?.messages[1]?.content ?? "";
      expect(context).toContain(
        '<rejected tool="divide">\nno divisions today, multiply by 0.5\n</rejected>',
      );
    });
  });

  describe("a human tool", () => {
    it("pauses for request_more_information and continues with the answer in context", async () => {
      const model = new ScriptedModel([
        call("request_more_information", { message: "Which numbers?" }),
        call("done_for_now", { message: "ok" }),
      ]);
      const deps = { agent: calculator, model, clock };
      const paused = await runUntilIdle(start("add some numbers"), deps);
      expect(paused.next).toMatchObject({
        type: "pause",
        status: "waiting_for_human",
        pending: {
          kind: "human_input",
          tool: "request_more_information",
          message: "Which numbers?",
        },
      });
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const answer = respond(paused.thread, { callId, response: "2 and 3" }, clock);
      const done = await runUntilIdle(withEvent(paused.thread, answer), deps);
      expect(done.next.type).toBe("done");
      expect(model.calls[1]?.messages[1]?.content).toContain(
        "<human_response>\n2 and 3\n</human_response>",
      );
    });
  });

  describe("errors (factor 9)", () => {
    it("compacts an unknown tool into an error event the model sees next step", async () => {
      const model = new ScriptedModel([
        call("sqrt", { x: 9 }),
        call("done_for_now", { message: "3" }),
      ]);
      const first = await step(start("sqrt 9"), { agent: calculator, model, clock });
      expect(types(first.events)).toEqual(["tool_call", "error"]);
      expect(first.events[1]).toMatchObject({
        type: "error",
        data: { code: "unknown_tool", tool: "sqrt", callId: "call_1" },
      });
      expect(first.next).toEqual({ type: "continue" });

      const thread = { ...start("sqrt 9"), events: [...start("sqrt 9").events, ...first.events] };
      await step(thread, { agent: calculator, model, clock });
      expect(model.calls[1]?.messages[1]?.content).toContain(
        '<error tool="sqrt">\nunknown tool sqrt; available: add, subtract, multiply, divide, request_more_information, done_for_now\n</error>',
      );
    });

    it("compacts invalid arguments (zod) into an error naming the field", async () => {
      const model = new ScriptedModel([call("add", { a: "three", b: 4 })]);
      const { events, next } = await step(start("3 + 4"), { agent: calculator, model, clock });
      expect(events[1]).toMatchObject({
        type: "error",
        data: { code: "invalid_args", tool: "add" },
      });
      expect((events[1] as EventOf<"error">).data.message).toMatch(
        /^invalid arguments: a: .*number/,
      );
      expect(next).toEqual({ type: "continue" });
    });

    it("compacts a throwing tool into an error", async () => {
      const model = new ScriptedModel([call("divide", { a: 1, b: 0 })]);
      const paused = await runUntilIdle(start("1 / 0"), { agent: calculator, model, clock });
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const approved = withEvent(
        paused.thread,
        respond(paused.thread, { callId, approved: true }, clock),
      );
      const model2 = new ScriptedModel([
        call("done_for_now", { message: "cannot divide by zero" }),
      ]);
      const { events } = await step(approved, { agent: calculator, model: model2, clock });
      expect(events[0]).toMatchObject({
        type: "error",
        data: {
          code: "tool_failed",
          callId,
          message: "divide failed: RangeError: division by zero",
        },
      });
      expect(model2.calls[0]?.messages[1]?.content).toContain("division by zero");
    });

    it("compacts a reply with no usable tool call into a model_reply error", async () => {
      const model = new ScriptedModel([invalid("the model answered with text only")]);
      const { events } = await step(start("hi"), { agent: calculator, model, clock });
      expect(types(events)).toEqual(["error"]);
      expect(events[0]).toMatchObject({ data: { code: "model_reply" } });
    });

    it("compacts a ModelError into a model_failed error, and lets other failures through", async () => {
      const failing = new ScriptedModel([
        new ModelError("503 after 3 retries", { retryable: true }),
      ]);
      const { events } = await step(start("hi"), { agent: calculator, model: failing, clock });
      expect(events[0]).toMatchObject({
        data: { code: "model_failed", message: "model failed: 503 after 3 retries" },
      });

      const exhausted = new ScriptedModel([]);
      await expect(
        step(start("hi"), { agent: calculator, model: exhausted, clock }),
      ).rejects.toThrow(ScriptError);
    });

    it("escalates at once when the model rejects the request (not retryable)", async () => {
      const model = new ScriptedModel([
        new ModelError("OpenAI API returned 401", { retryable: false }),
      ]);
      const { events, next } = await step(start("hi"), { agent: calculator, model, clock });
      expect(types(events)).toEqual(["error", "human_input_requested"]);
      expect(next).toMatchObject({
        type: "pause",
        status: "waiting_for_human",
        pending: { tool: "escalation", args: { reason: "model_unusable" } },
      });
      expect((events[1] as EventOf<"human_input_requested">).data.message).toContain("401");
    });

    it("escalates at once, with the reason, when no model is configured (a ConfigError)", async () => {
      const model = new ScriptedModel([
        new ConfigError("no model configured: set OPENAI_API_KEY or OPENAI_API_KEY_SECRET_ARN"),
      ]);
      const { events, next } = await step(start("hi"), { agent: calculator, model, clock });
      expect(types(events)).toEqual(["error", "human_input_requested"]);
      expect(next).toMatchObject({
        type: "pause",
        pending: { tool: "escalation", args: { reason: "model_unusable" } },
      });
      expect((events[1] as EventOf<"human_input_requested">).data.message).toContain(
        "no model configured: set OPENAI_API_KEY",
      );
    });

    it("does not show model outages to the model", async () => {
      const model = new ScriptedModel([
        new ModelError("OpenAI API returned 503", { retryable: true }),
        call("done_for_now", { message: "hello" }),
      ]);
      const done = await runUntilIdle(start("hi"), { agent: calculator, model, clock });
      expect(done.next.type).toBe("done");
      expect(model.calls[1]?.messages[1]?.content).toBe("<user_message>\nhi\n</user_message>");
    });

    it("resets the count when a call succeeds", async () => {
      const model = new ScriptedModel([
        call("add", { a: "x" }),
        call("add", { a: 1 }),
        call("add", { a: 1, b: 2 }),
        call("add", { a: "y" }),
        call("add", { a: "z" }),
        call("done_for_now", { message: "3" }),
      ]);
      const done = await runUntilIdle(start("1 + 2"), { agent: calculator, model, clock });
      expect(done.next.type).toBe("done");
    });

    it("escalates to a human after 3 consecutive errors, saying why", async () => {
      const model = new ScriptedModel([call("add", {}), call("nope", {}), invalid("no tool call")]);
      const paused = await runUntilIdle(start("1 + 2"), { agent: calculator, model, clock });
      expect(paused.steps).toBe(3);
      expect(paused.next).toMatchObject({
        type: "pause",
        status: "waiting_for_human",
        pending: {
          kind: "escalation",
          tool: "escalation",
          args: { reason: "too_many_errors" },
          reason: "too_many_errors",
        },
      });
      expect(derivePending(paused.thread.events)?.message).toMatch(
        /^Escalated after 3 consecutive errors; the last: no tool call\./,
      );

      // The human's guidance resets the count, and the model sees the escalation.
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const resumed = withEvent(
        paused.thread,
        respond(paused.thread, { callId, response: "use add with a and b" }, clock),
      );
      const model2 = new ScriptedModel([call("add", { a: 1, b: 2 })]);
      const next = await step(resumed, { agent: calculator, model: model2, clock });
      expect(next.next).toEqual({ type: "continue" });
      expect(model2.calls[0]?.messages[1]?.content).toContain("<escalation>\nEscalated after 3");
    });
  });

  describe("step cap (factor 10)", () => {
    it("escalates once maxSteps model calls ran since the last human input, without a model call", async () => {
      const agent = defineAgent({ ...calculator, name: "tiny", maxSteps: 2 });
      const model = new ScriptedModel([call("add", { a: 1, b: 1 }), call("add", { a: 2, b: 2 })]);
      const paused = await runUntilIdle(start("count", agent), { agent, model, clock });
      expect(model.calls).toHaveLength(2);
      expect(paused.next).toMatchObject({
        type: "pause",
        status: "waiting_for_human",
        pending: { tool: "escalation", args: { reason: "max_steps" } },
      });
      expect(derivePending(paused.thread.events)?.message).toContain("after 2 model steps");
    });
  });

  describe("prefetch (factor 13)", () => {
    it("runs deploybot's list_git_tags before the first model call and shows the result", async () => {
      const target = new SimulatedDeployTarget();
      const agent = createDeploybot(target);
      const model = new ScriptedModel([call("deploy_backend", { tag: "v1.2.0" })]);
      const { events, next } = await step(start("deploy the latest backend", agent), {
        agent,
        model,
        clock,
      });
      expect(types(events)).toEqual([
        "tool_call",
        "tool_result",
        "tool_call",
        "approval_requested",
      ]);
      expect(events[0]).toMatchObject({ data: { tool: "list_git_tags", source: "prefetch" } });
      expect(model.calls[0]?.messages[1]?.content).toContain(
        "<list_git_tags_result>\n- tag: v1.2.0\n  commit: 4f1c2ab",
      );
      expect(next).toMatchObject({ type: "pause", status: "waiting_for_approval" });
      expect(target.deployments).toEqual([]);
    });

    it("prefetches once, not on later steps", async () => {
      const agent = createDeploybot();
      const model = new ScriptedModel([
        call("list_git_tags", {}),
        call("done_for_now", { message: "nothing" }),
      ]);
      const done = await runUntilIdle(start("what can I deploy?", agent), { agent, model, clock });
      const prefetched = done.thread.events.filter(
        (e) => e.type === "tool_call" && e.data.source === "prefetch",
      );
      expect(prefetched).toHaveLength(1);
    });
  });

  describe("idempotency keys", () => {
    it("gives a tool thread id + call id, the same when a step is retried", async () => {
      const seen: ToolContext[] = [];
      const record = defineTool({
        name: "record",
        description: "records its context",
        input: z.object({}),
        kind: "sync",
        run: (_args, context) => {
          seen.push(context);
          return "ok";
        },
      });
      const agent = defineAgent({ name: "recorder", prompt: "p", tools: [record, doneForNow] });
      const chosen = await step(start("go", agent), {
        agent,
        model: new ScriptedModel([call("record", {})]),
        clock,
      });
      const thread = {
        ...start("go", agent),
        events: [...start("go", agent).events, ...chosen.events],
      };
      await step(thread, { agent, model: new ScriptedModel([call("record", {})]), clock });
      await step(thread, { agent, model: new ScriptedModel([call("record", {})]), clock });
      expect(seen[0]).toEqual({
        threadId: "thr_test",
        callId: "call_1",
        idempotencyKey: "thr_test:call_1",
        runContext: {},
      });
      expect(seen[1]).toEqual(seen[0]);
    });

    it("lets deploybot deploy once even when the approved step runs twice", async () => {
      const target = new SimulatedDeployTarget();
      const agent = createDeploybot(target);
      const paused = await runUntilIdle(start("deploy v1.1.1 to the frontend", agent), {
        agent,
        model: new ScriptedModel([call("deploy_frontend", { tag: "v1.1.1" })]),
        clock,
      });
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const approved = withEvent(
        paused.thread,
        respond(paused.thread, { callId, approved: true }, clock),
      );
      const again = () =>
        step(approved, {
          agent,
          model: new ScriptedModel([call("done_for_now", { message: "done" })]),
          clock,
        });
      await again();
      await again();
      expect(target.deployments).toEqual([
        { service: "frontend", tag: "v1.1.1", idempotencyKey: `thr_test:${callId}` },
      ]);
    });
  });

  describe("a thread with nothing to do", () => {
    it("does not call the model while paused, done or failed", async () => {
      const model = new ScriptedModel([]);
      const paused = await runUntilIdle(start("8 / 2"), {
        agent: calculator,
        model: new ScriptedModel([call("divide", { a: 8, b: 2 })]),
        clock,
      });
      expect(await step(paused.thread, { agent: calculator, model, clock })).toMatchObject({
        events: [],
        next: { type: "pause", status: "waiting_for_approval" },
      });
      const poisoned = withEvent(start("x"), failed("poison", { at: clock.now().toISOString() }));
      expect(await step(poisoned, { agent: calculator, model, clock })).toEqual({
        events: [],
        next: { type: "fail", reason: "poison" },
      });
      expect(model.calls).toHaveLength(0);
    });
  });

  describe("a done thread", () => {
    it("answers done with the thread's output and calls no model", async () => {
      // Prepare
      const model = new ScriptedModel([]);
      const done = await runUntilIdle(launchWith(), {
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
      const asked = await runUntilIdle(launchWith(), {
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
        await runUntilIdle(launchWith(agent), {
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
      expect(events[0]).toEqual(
        threadError("unknown_tool", "unknown tool deploy", {
          at: expect.any(String),
          callId,
          tool: "deploy",
        }),
      );
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
      const paused = await runUntilIdle(launchWith(agent), { agent, model, clock });
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
      const paused = await runUntilIdle(launchWith(agent), { agent, model, clock });

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
      const { ran } = await saveThenRun(launchWith(agent), { agent, model, clock });

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
      const paused = await runUntilIdle(launchWith(agent), { agent, model, clock });

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
      const { ran } = await saveThenRun(launchWith(agent), { agent, model, clock });

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
      const { ran } = await saveThenRun(launchWith(agent), {
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
      const first = await step(launchWith(agent), { agent, model, clock });
      const thread = {
        ...launchWith(agent),
        events: [...launchWith(agent).events, ...first.events],
      };
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
      const first = await step(launchWith(agent), {
        agent,
        model: new ScriptedModel([withUsage(call("save", { id: "a" }))]),
        clock,
      });
      const wrong = await step(launchWith(agent), {
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
      const { events } = await step(launchWith(agent), {
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
      const first = await step(launchWith(agent), { agent, model, clock });

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
      const { events, next } = await step(launchWith(agent), { agent, model, clock });

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
      const paused = await runUntilIdle(launchWith(agent), { agent, model, clock });

      // Assess
      expect(derivePending(paused.thread.events)?.message).toBe(
        "Escalated after 1 model steps without human input. Reply and the agent continues.",
      );
    });

    it("say what to fix when the model rejects the request", async () => {
      // Prepare
      const model = new ScriptedModel([new ModelError("401 invalid key", { retryable: false })]);

      // Act
      const { next } = await step(launchWith(), { agent: calculator, model, clock });

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
      await expect(step(launchWith(agent), { agent, model, clock })).rejects.toThrow(
        /^unknown tool kind in .*"kind":"background"/,
      );
    });
  });

  describe("human and terminal tools", () => {
    it("end the thread with the terminal call's message, recorded on the done event", async () => {
      const model = new ScriptedModel([call("done_for_now", { message: "42" })]);
      const { events, next } = await step(launchWith(), { agent: calculator, model, clock });
      expect(events[1]).toEqual(done("call_1", "42", { at: expect.any(String) }));
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
      const asked = await step(launchWith(agent), {
        agent,
        model: new ScriptedModel([call("confirm", { order: "apples", qty: 2 })]),
        clock,
      });
      const answered = await step(launchWith(agent), {
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
      const { events } = await step(launchWith(agent), { agent, model, clock });
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
