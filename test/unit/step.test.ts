import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError, ModelError, ScriptError } from "../../shared/core/errors.ts";
import type { EventOf, ThreadEvent } from "../../shared/core/events.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import { step } from "../../shared/core/step.ts";
import { derivePending, deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { defineTool, type ToolContext } from "../../shared/core/tool.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { call, invalid, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle, types, withEvent } from "../support/run.ts";

const clock = steppingClock();
const start = (message: string, agent = calculator): Thread =>
  launch({ agent, threadId: "thr_test", message, clock });
const last = <T extends ThreadEvent["type"]>(thread: Thread, type: T) =>
  thread.events.findLast((e): e is EventOf<T> => e.type === type);

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
      const failed = withEvent(start("x"), {
        type: "failed",
        at: clock.now().toISOString(),
        data: { reason: "poison" },
      });
      expect(await step(failed, { agent: calculator, model, clock })).toEqual({
        events: [],
        next: { type: "fail", reason: "poison" },
      });
      expect(model.calls).toHaveLength(0);
    });
  });
});
