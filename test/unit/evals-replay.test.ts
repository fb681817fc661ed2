import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  agentTool,
  defineAgent,
  defineTool,
  doneForNow,
  requestMoreInformation,
} from "twelve-agents";
import { call, ScriptedModel } from "twelve-agents/testing";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { caseFromThread, defineScorer, type EvalCase, runEval } from "../../shared/evals/index.ts";
import { calculatorPrompt } from "../../shared/examples/calculator/prompt.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { PromptReadingModel } from "../support/prompt-reading-model.ts";

/** A calculator whose tools count their runs (a recorded tool must never run). */
function countingCalculator(prompt: string, options: { fromSource?: boolean } = {}) {
  const runs = { count: 0 };
  const operands = z.object({ a: z.number(), b: z.number() });
  const op = (name: string, kind: "sync" | "approval", f: (a: number, b: number) => number) =>
    defineTool({
      name,
      description: `${name} a and b`,
      input: operands,
      kind,
      run: ({ a, b }) => {
        runs.count++;
        return f(a, b);
      },
    });
  const arithmetic = [
    op("add", "sync", (a, b) => a + b),
    op("subtract", "sync", (a, b) => a - b),
    op("multiply", "sync", (a, b) => a * b),
    op("divide", "approval", (a, b) => {
      if (b === 0) throw new RangeError("division by zero");
      return a / b;
    }),
  ];
  // The arithmetic listed at run time, as an MCP server's tools are.
  const source = { name: "math", tools: async () => arithmetic };
  const agent = defineAgent({
    name: "calculator",
    prompt,
    tools: [...(options.fromSource ? [] : arithmetic), requestMoreInformation, doneForNow],
    ...(options.fromSource ? { mcp: [source] } : {}),
  });
  return { agent, runs };
}

async function recordCases(options: { fromSource?: boolean } = {}) {
  const { agent } = countingCalculator(calculatorPrompt(), options);
  const runner = createRunner({ agents: [agent], model: new PromptReadingModel() });
  const plain = await runner.launch("calculator", "what is 3 + 4 * 2?");
  let divided = await runner.launch("calculator", "what is (3 + 5) / 2?");
  if (divided.pending) {
    divided = await runner.respond(divided.threadId, {
      callId: divided.pending.callId,
      approved: true,
    });
  }
  return [
    caseFromThread({ ...plain, agent: "calculator" }, { id: "plain" }),
    caseFromThread({ ...divided, agent: "calculator" }, { id: "divided" }),
  ];
}

describe("Function: runEval", () => {
  it("passes every case with the unchanged agent, running no recorded tool", async () => {
    // Prepare
    const cases = await recordCases();
    const { agent, runs } = countingCalculator(calculatorPrompt());
    // Act
    const report = await runEval({ cases, agents: [agent], model: new PromptReadingModel() });
    // Assess
    expect(report.results.map((r) => [r.caseId, r.verdict])).toEqual([
      ["plain", "passed"],
      ["divided", "passed"],
    ]);
    expect(report.results[1]?.status).toBe("done");
    expect(report.results[1]?.output).toBe("(3 + 5) / 2 = 4");
    expect(runs.count).toBe(0);
  });

  it("never runs a recorded tool listed at run time (an MCP server's)", async () => {
    // Prepare: the arithmetic comes from a tool source, in the recording and in the replay
    const cases = await recordCases({ fromSource: true });
    const { agent, runs } = countingCalculator(calculatorPrompt(), { fromSource: true });
    // Act
    const report = await runEval({ cases, agents: [agent], model: new PromptReadingModel() });
    // Assess
    expect(report.results.map((r) => [r.caseId, r.verdict])).toEqual([
      ["plain", "passed"],
      ["divided", "passed"],
    ]);
    expect(report.results[1]?.output).toBe("(3 + 5) / 2 = 4");
    expect(runs.count).toBe(0);
  });

  it("replays a source's tools from cassettes with the source down, and fails closed without them", async () => {
    // Prepare: record model answers and the listing, then make the source unreachable
    const cases = await recordCases({ fromSource: true });
    const dir = mkdtempSync(join(tmpdir(), "twelve-listing-"));
    try {
      const { agent } = countingCalculator(calculatorPrompt(), { fromSource: true });
      const recorded = await runEval({
        cases,
        agents: [agent],
        model: new PromptReadingModel(),
        cassettes: { dir, record: true },
      });
      expect(recorded.summary.passed).toBe(2);
      let listings = 0;
      const down = defineAgent({
        ...agent,
        mcp: [
          {
            name: "math",
            tools: async () => {
              listings++;
              throw new Error("connect ECONNREFUSED 127.0.0.1:9");
            },
          },
        ],
      });
      // Act
      const offline = await runEval({
        cases,
        agents: [down],
        model: new PromptReadingModel(),
        cassettes: { dir },
      });
      rmSync(join(dir, "tools-calculator-math.json"));
      const missing = await runEval({
        cases,
        agents: [down],
        model: new PromptReadingModel(),
        cassettes: { dir },
      });
      // Assess
      expect(offline.results.map((r) => [r.caseId, r.verdict])).toEqual([
        ["plain", "passed"],
        ["divided", "passed"],
      ]);
      expect(listings).toBe(0);
      expect(missing.results[0]?.verdict).toBe("error");
      expect(missing.results[0]?.error).toMatch(
        /no cassette for the tools of MCP server "math" of agent "calculator"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops a changed prompt's replay at the first divergence, showing both calls", async () => {
    const cases = await recordCases();
    const { agent, runs } = countingCalculator(`${calculatorPrompt()}\nNever divide.`);
    const report = await runEval({ cases, agents: [agent], model: new PromptReadingModel() });
    expect(report.results.map((r) => [r.caseId, r.verdict])).toEqual([
      ["plain", "passed"],
      ["divided", "diverged"],
    ]);
    expect(report.results[1]?.divergence).toMatchObject({
      step: 2,
      expected: { tool: "divide", args: { a: 8, b: 2 } },
      actual: { tool: "request_more_information" },
    });
    expect(report.summary).toMatchObject({ total: 2, passed: 1, diverged: 1, passRate: 0.5 });
    expect(runs.count).toBe(0);
  });

  it("runs the real tools with tools: live", async () => {
    const cases = await recordCases();
    const { agent, runs } = countingCalculator(calculatorPrompt());
    const report = await runEval({
      cases,
      agents: [agent],
      model: new PromptReadingModel(),
      tools: "live",
    });
    expect(report.summary.passed).toBe(2);
    expect(runs.count).toBe(4);
  });
});

describe("Function: runEval (what the recording holds)", () => {
  it("serves a recorded failure as the same compact error, and replays a later message", async () => {
    // Prepare: a division by zero that fails, the question that follows, then a new message.
    const { agent, runs } = countingCalculator(calculatorPrompt());
    const runner = createRunner({ agents: [agent], model: new PromptReadingModel() });
    let run = await runner.launch("calculator", "what is 5 / 0?");
    run = await runner.respond(run.threadId, { callId: run.pending?.callId ?? "", approved: true });
    expect(run.status).toBe("waiting_for_human");
    run = await runner.respond(run.threadId, {
      callId: run.pending?.callId ?? "",
      response: "then what is 5 + 0?",
    });
    run = await runner.message(run.threadId, "and 2 * 3?");
    expect(run.output).toBe("2 * 3 = 6");
    const recorded = caseFromThread({ ...run, agent: "calculator" }, { id: "zero" });
    expect(recorded.recorded.some((e) => e.type === "error" && e.data.code === "tool_failed")).toBe(
      true,
    );
    const ran = runs.count;
    // Act
    const report = await runEval({
      cases: [recorded],
      agents: [agent],
      model: new PromptReadingModel(),
    });
    // Assess
    expect(report.results[0]).toMatchObject({
      verdict: "passed",
      status: "done",
      output: "2 * 3 = 6",
    });
    expect(runs.count).toBe(ran);
  });

  it("stops where the recording has no result for a call, saying so", async () => {
    const { agent } = countingCalculator(calculatorPrompt());
    const runner = createRunner({ agents: [agent], model: new PromptReadingModel() });
    const run = await runner.launch("calculator", "what is 1 + 2?");
    const full = caseFromThread({ ...run, agent: "calculator" }, { id: "cut" });
    // The recording as if the thread had been exported before its first tool ran.
    const truncated = { ...full, recorded: full.recorded.slice(0, 1) };
    const report = await runEval({
      cases: [truncated],
      agents: [agent],
      model: new PromptReadingModel(),
    });
    expect(report.results[0]?.verdict).toBe("diverged");
    expect(report.results[0]?.divergence?.reason).toBe(
      "the recording holds no result for add (call call_1)",
    );
  });
});

describe("Function: runEval (mocks)", () => {
  it("answers a mocked tool with the case's mock in any mode, never running it", async () => {
    const [plain] = await recordCases();
    const { agent, runs } = countingCalculator(calculatorPrompt());
    const results: unknown[] = [];
    const spy = defineScorer("results", ({ replay }) => {
      for (const event of replay.events) {
        if (event.type === "tool_result") results.push([event.data.tool, event.data.result]);
      }
      return { pass: true };
    });
    const report = await runEval({
      cases: [{ ...(plain as EvalCase), mocks: { multiply: 100 } }],
      agents: [agent],
      model: new PromptReadingModel(),
      tools: "live",
      scorers: [spy],
    });
    expect(report.results[0]?.verdict).toBe("passed");
    expect(results).toEqual([
      ["multiply", 100],
      // The demo model plans from the message, not from results: add 3 + 8 runs for real.
      ["add", 11],
    ]);
    expect(runs.count).toBe(1);
  });
});

describe("Function: runEval (calls that wait: sub-agents and callbacks)", () => {
  /** A lead that delegates to a researcher, then waits on CI; every side effect counted. */
  function lead() {
    const runs = { looks: 0, starts: 0 };
    const tokens: string[] = [];
    const researcher = defineAgent({
      name: "researcher",
      prompt: "Look things up.",
      tools: [
        defineTool({
          name: "look",
          description: "Look a thing up",
          input: z.object({ q: z.string() }),
          kind: "sync",
          run: () => {
            runs.looks++;
            return "found";
          },
        }),
        doneForNow,
      ],
    });
    const runCi = defineTool({
      name: "run_ci",
      description: "Run CI; the outcome comes back later",
      input: z.object({ ref: z.string() }),
      kind: "callback",
      timeoutMs: 60_000,
      result: z.object({ status: z.string() }),
      start: (_args, { callback }) => {
        runs.starts++;
        tokens.push(callback.token);
      },
    });
    const agent = defineAgent({
      name: "lead",
      prompt: "Research, run CI, then answer.",
      tools: [agentTool(researcher, { description: "Research" }), runCi, doneForNow],
    });
    return { agent, researcher, runs, tokens };
  }

  it("serves the recorded child's end and callback answer, launching no child and running no start", async () => {
    // Prepare: record a thread whose child ran and whose callback was answered
    const recording = lead();
    const runner = createRunner({
      agents: [recording.agent, recording.researcher],
      model: new ScriptedModel([
        call("researcher", { message: "what is X?" }),
        call("look", { q: "X" }),
        call("done_for_now", { message: "X is found" }),
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "CI passed" }),
      ]),
    });
    const waiting = await runner.launch("lead", "check X and run CI");
    expect(waiting.status).toBe("waiting_for_callback");
    const done = await runner.callback(recording.tokens[0] ?? "", { status: "passed" });
    expect(done.status).toBe("done");
    const evalCase = caseFromThread({ ...done, agent: "lead" }, { id: "lead" });
    const replay = lead();

    // Act: the lead alone makes its calls; the child's and the callback's outcomes are served
    const report = await runEval({
      cases: [evalCase],
      agents: [replay.agent, replay.researcher],
      model: new ScriptedModel([
        call("researcher", { message: "what is X?" }),
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "CI passed" }),
      ]),
    });

    // Assess
    expect(report.results.map((r) => [r.caseId, r.verdict, r.status])).toEqual([
      ["lead", "passed", "done"],
    ]);
    expect(replay.runs).toEqual({ looks: 0, starts: 0 });
  });
});
