import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { type AgentOptions, defineAgent, fixedTokens } from "../../shared/core/agent.ts";
import { compactionEnd } from "../../shared/core/compaction.ts";
import { contextOf } from "../../shared/core/context.ts";
import { ConfigError, ModelError } from "../../shared/core/errors.ts";
import type { EventOf, ThreadEvent } from "../../shared/core/events.ts";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import type { Clock, Model, ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { step } from "../../shared/core/step.ts";
import { derivePending, deriveUsage, type Thread } from "../../shared/core/thread.ts";
import { estimateTokens, requestTokens } from "../../shared/core/tokens.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";

const TASK = "Keep adding 1 to the running total, starting from 0.";
const budgeted = (options: Partial<AgentOptions> = {}) =>
  defineAgent({
    name: "calculator",
    prompt: calculator.prompt,
    tools: calculator.tools,
    maxSteps: 1_000_000,
    contextBudget: 3000,
    ...options,
  });

/** Step i calls add(i, 1) and reports usage; records every request it was sent. */
class AddingModel implements Model {
  readonly requests: ModelRequest[] = [];
  async next(request: ModelRequest): Promise<ModelReply> {
    this.requests.push(request);
    const a = this.requests.length - 1;
    return { type: "tool_call", tool: "add", args: { a, b: 1 }, usage: usageOf(10, 2) };
  }
}

const usageOf = (input: number, output: number) => ({
  inputTokens: input,
  outputTokens: output,
});

async function run(agent = budgeted(), steps = 1000, model: Model = new AddingModel()) {
  const clock = steppingClock();
  let thread: Thread = launch({ agent, threadId: "thr_budget", message: TASK, clock });
  for (let i = 0; i < steps; i++) {
    const { events, next } = await step(thread, { agent, model, clock });
    thread = { ...thread, events: [...thread.events, ...events] };
    if (next.type !== "continue") break;
  }
  return thread;
}

/** The thread with a person's answer to the call it waits on. */
function answer(thread: Thread, response: string, clock: Clock): Thread {
  const callId = derivePending(thread.events)?.callId ?? "none";
  return { ...thread, events: [...thread.events, respond(thread, { callId, response }, clock)] };
}

const compactions = (events: readonly ThreadEvent[]) =>
  events.filter((event): event is EventOf<"compaction"> => event.type === "compaction");

/** o200k tokens of a request, counted as `requestTokens` counts. */
const realTokens = (request: ModelRequest) => requestTokens(request, (text) => encode(text).length);

describe("contextBudget: a bounded context (factor 3)", () => {
  it("keeps every one of 1,000 model requests within the budget, by compacting, and keeps every event", async () => {
    // Prepare
    const model = new AddingModel();

    // Act
    const thread = await run(budgeted(), 1000, model);

    // Assess
    expect(model.requests).toHaveLength(1000);
    const estimated = model.requests.map((request) => requestTokens(request, estimateTokens));
    expect(Math.max(...estimated)).toBeLessThanOrEqual(3000);
    expect(Math.max(...model.requests.map(realTokens))).toBeLessThanOrEqual(3000);
    // The same thread unbudgeted is many times over it.
    const uncompacted = { ...thread, events: thread.events.filter((e) => e.type !== "compaction") };
    expect(requestTokens(contextOf(calculator, uncompacted), estimateTokens)).toBeGreaterThan(
      30_000,
    );
    const found = compactions(thread.events);
    expect(found.length).toBeGreaterThan(10);
    for (const compaction of found) {
      expect(compaction.data.tokensBefore).toBeGreaterThan(3000);
      expect(compaction.data.tokensAfter).toBeLessThanOrEqual(3000);
      expect(compaction.data.method).toBe("elide");
    }
    // The events stay: every call and its result, whatever the model was shown.
    const calls = thread.events.filter((event) => event.type === "tool_call");
    expect(calls).toHaveLength(1000);
    // The task is in every request; the latest result is in the last one.
    for (const request of model.requests) expect(request.messages[1]?.content).toContain(TASK);
    const last = model.requests.at(-1)?.messages[1]?.content ?? "";
    expect(last).toMatch(/^<compacted events="1-\d+">/);
    expect(last).toContain("<add_result>\n999\n</add_result>");
  });

  it("compacts only when over the budget, and a later compaction covers the one before", async () => {
    // Act
    const thread = await run(budgeted(), 200);

    // Assess
    const found = compactions(thread.events);
    expect(found.length).toBeGreaterThan(1);
    for (const [i, compaction] of found.entries()) {
      expect(compaction.data.from).toBe(1);
      const before = found[i - 1];
      if (before) expect(compaction.data.to).toBeGreaterThan(before.data.to);
      // It cuts where a call starts: no result is parted from its call.
      expect(thread.events[compaction.data.to]?.type).toBe("tool_call");
    }
    expect(compactions((await run(calculator, 200)).events)).toEqual([]);
  });

  it("writes the same compaction for the same thread (the reducer stays deterministic)", async () => {
    // Prepare
    const thread = await run(budgeted(), 100);
    const agent = budgeted();
    const clock = () => ({ now: () => new Date("2026-03-01T00:00:00.000Z") });
    const cut = thread.events.findLastIndex((event) => event.type === "compaction");
    expect(cut).toBeGreaterThan(0);

    // Act: replay the step that compacted
    const replay = { ...thread, events: thread.events.slice(0, cut - 1) };
    const first = await step(replay, { agent, model: new AddingModel(), clock: clock() });
    const second = await step(replay, { agent, model: new AddingModel(), clock: clock() });

    // Assess
    expect(first.events.map((event) => event.type)).toEqual([
      "tool_result",
      "compaction",
      "tool_call",
    ]);
    expect(second.events).toEqual(first.events);
  });

  it("keeps people's messages in the stand-in: the first (the task) always, then the most recent", async () => {
    // Prepare: a long conversation of messages and replies
    const agent = budgeted({ contextBudget: 2500 });
    const clock = steppingClock();
    let thread: Thread = launch({ agent, threadId: "thr_talk", message: TASK, clock });
    const model = new ScriptedModel(
      Array.from({ length: 120 }, (_, i) =>
        i % 2 === 0
          ? call("add", { a: i, b: 1 })
          : call("request_more_information", { message: `more? ${i}` }),
      ),
    );
    for (let i = 0; i < 60; i++) {
      for (;;) {
        const { events, next } = await step(thread, { agent, model, clock });
        thread = { ...thread, events: [...thread.events, ...events] };
        if (next.type !== "continue") break;
      }
      thread = answer(thread, `reply number ${i}`, clock);
    }

    // Assess
    const last = compactions(thread.events).at(-1);
    expect(last?.data.summary).toContain(TASK);
    expect(last?.data.summary).toMatch(/Shown: \d+ of \d+ messages from people/);
    const latestReply = thread.events.findLast((event) => event.type === "human_response");
    const content = contextOf(agent, thread).messages[1]?.content ?? "";
    expect(content).toContain(
      latestReply?.type === "human_response" ? latestReply.data.response : "?",
    );
  });

  it("with compaction: model, lets the model write the summary in a step of its own", async () => {
    // Prepare
    const agent = budgeted({ compaction: "model" });
    const thread = await run(budgeted(), 60);
    const before = thread.events.findLastIndex((event) => event.type === "compaction");
    const open = { ...thread, events: thread.events.slice(0, before) };
    const model = new ScriptedModel([
      {
        ...call("write_summary", { summary: "The total is 58; keep adding 1." }),
        usage: usageOf(900, 30),
      },
      call("add", { a: 58, b: 1 }),
    ]);
    const clock = steppingClock("2026-04-01T00:00:00.000Z");

    // Act
    const summarizing = await step(open, { agent, model, clock });
    const next = { ...open, events: [...open.events, ...summarizing.events] };
    const after = await step(next, { agent, model, clock });

    // Assess: the summary step made no call of the agent's
    expect(summarizing.events.map((event) => event.type)).toEqual(["compaction"]);
    expect(summarizing.next).toEqual({ type: "continue" });
    const [compaction] = compactions(summarizing.events);
    expect(compaction?.data).toMatchObject({
      method: "model",
      summary: "The total is 58; keep adding 1.",
      usage: usageOf(900, 30),
    });
    expect(model.calls[0]?.tools.map((tool) => tool.name)).toEqual(["write_summary"]);
    expect(model.calls[1]?.messages[1]?.content).toMatch(
      /^<compacted events="1-\d+">\nThe total is 58; keep adding 1.\n<\/compacted>/,
    );
    expect(after.events[0]?.type).toBe("tool_call");
    expect(deriveUsage(next.events).inputTokens).toBeGreaterThanOrEqual(900);
  });

  it("falls back to elision when the model cannot write a summary, and the step goes on", async () => {
    // Prepare
    const thread = await run(budgeted(), 60);
    const before = thread.events.findLastIndex((event) => event.type === "compaction");
    const open = { ...thread, events: thread.events.slice(0, before) };
    const agent = budgeted({ compaction: "model" });

    for (const failure of [
      new ModelError("unreachable", { retryable: true }),
      call("add", { a: 1, b: 1 }),
      call("add", { summary: "a summary in a call of another tool" }),
      call("write_summary", { summary: "   " }),
      call("write_summary", { summary: 58 }),
      call("write_summary", null),
    ]) {
      const model = new ScriptedModel([failure, call("add", { a: 58, b: 1 })]);

      // Act
      const result = await step(open, { agent, model, clock: steppingClock() });

      // Assess
      expect(result.events.map((event) => event.type)).toEqual(["compaction", "tool_call"]);
      expect(compactions(result.events)[0]?.data.method).toBe("elide");
    }
  });
  it("lets a failure of its own code through, rather than elide over it", async () => {
    const thread = await run(budgeted(), 60);
    const before = thread.events.findLastIndex((event) => event.type === "compaction");
    const open = { ...thread, events: thread.events.slice(0, before) };
    const model: Model = {
      next: async () => {
        throw new TypeError("a bug in the adapter");
      },
    };
    await expect(
      step(open, { agent: budgeted({ compaction: "model" }), model, clock: steppingClock() }),
    ).rejects.toThrow("a bug in the adapter");
  });
});

describe("maxTokens: a per-thread token budget", () => {
  it("escalates once the model's tokens since the last human input reach it, and a reply grants more", async () => {
    // Prepare: every call costs 12 tokens
    const agent = budgeted({ contextBudget: undefined, maxTokens: 100 });

    // Act
    const thread = await run(agent, 50);

    // Assess
    const escalation = thread.events.at(-1);
    expect(escalation).toMatchObject({
      type: "human_input_requested",
      data: { reason: "max_tokens" },
    });
    expect(thread.events.filter((event) => event.type === "tool_call")).toHaveLength(9);
    const clock = steppingClock("2026-05-01T00:00:00.000Z");
    const answered = answer(thread, "go on", clock);
    const { events } = await step(answered, { agent, model: new AddingModel(), clock });
    expect(events.some((event) => event.type === "tool_call")).toBe(true);
  });

  it("escalates as soon as the tokens reach the budget exactly, and says how many", async () => {
    // Act: nine calls of 12 tokens reach 108
    const thread = await run(budgeted({ contextBudget: undefined, maxTokens: 108 }), 50);

    // Assess
    expect(thread.events.filter((event) => event.type === "tool_call")).toHaveLength(9);
    expect(thread.events.at(-1)).toMatchObject({
      type: "human_input_requested",
      data: {
        reason: "max_tokens",
        message:
          "Escalated after 108 model tokens without human input. Reply and the agent continues.",
      },
    });
  });
});

describe("context: an agent that owns its context entirely", () => {
  it("gets the default renderer and its parts as helpers, and its request is what the model sees", async () => {
    // Prepare
    const agent = defineAgent({
      name: "terse",
      prompt: "Add.",
      tools: calculator.tools,
      context: (thread, helpers) => {
        const request = helpers.render(thread);
        return {
          ...request,
          messages: [
            ...request.messages,
            { role: "user", content: `events: ${thread.events.length}` },
          ],
        };
      },
    });
    const model = new AddingModel();

    // Act
    await run(agent, 2, model);

    // Assess
    expect(model.requests[1]?.messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "user",
    ]);
    expect(model.requests[1]?.messages[2]?.content).toBe("events: 3");
    expect(model.requests[1]?.messages[0]?.content).toBe("Add.");
  });
});

describe("defineAgent: budget options", () => {
  it("refuses a budget that leaves the thread too little beside the prompt and the tools", () => {
    const fixed = fixedTokens(calculator, estimateTokens);
    expect(() => budgeted({ contextBudget: fixed + 100 })).toThrow(
      new ConfigError(
        `agent "calculator": contextBudget ${fixed + 100} leaves 100 tokens for the thread once the system prompt and the tools (${fixed}) are counted; it needs at least 1024`,
      ),
    );
    expect(() => budgeted({ contextBudget: 2.5 })).toThrow(
      /contextBudget must be a positive integer/,
    );
    expect(() => budgeted({ maxTokens: 0 })).toThrow(/maxTokens must be a positive integer/);
    // @ts-expect-error: not a method
    expect(() => budgeted({ compaction: "drop" })).toThrow(
      /compaction must be one of elide, model/,
    );
  });

  it("counts with the agent's own tokenizer when it has one", async () => {
    // Prepare: a counter that says everything is huge compacts at every step
    const counted: string[] = [];
    const agent = budgeted({
      countTokens: (text) => {
        counted.push(text);
        return estimateTokens(text);
      },
    });

    // Act
    await run(agent, 3);

    // Assess
    expect(counted.length).toBeGreaterThan(0);
  });

  it("plans a cut past the compaction in force even when the recent events are all huge", () => {
    // Prepare
    const clock = steppingClock();
    const thread = launch({
      agent: calculator,
      threadId: "thr_x",
      message: "x".repeat(50_000),
      clock,
    });

    // Act
    const end = compactionEnd(thread.events, {
      resultBudget: 2000,
      countTokens: estimateTokens,
      available: 2000,
    });

    // Assess
    expect(end).toBe(1);
  });
});
