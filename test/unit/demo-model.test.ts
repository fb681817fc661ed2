import { describe, expect, it } from "vitest";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { DemoModel, planArithmetic } from "../../shared/examples/demo-model.ts";
import { createRunner, type RunResult } from "../../shared/runtime/runner.ts";

describe("Function: planArithmetic", () => {
  it("plans operations in precedence order, with words and parentheses", () => {
    expect(planArithmetic("What is (3 + 4) / 2?")).toEqual({
      expression: "(3 + 4) / 2",
      ops: [
        { tool: "add", a: 3, b: 4 },
        { tool: "divide", a: 7, b: 2 },
      ],
      value: 3.5,
    });
    expect(planArithmetic("1 plus 2 times 3")?.ops).toEqual([
      { tool: "multiply", a: 2, b: 3 },
      { tool: "add", a: 1, b: 6 },
    ]);
    expect(planArithmetic("no numbers here")).toBeNull();
    expect(planArithmetic("just 7")).toBeNull();
  });
});

describe("Class: DemoModel", () => {
  const runner = () =>
    createRunner({ agents: [calculator, createDeploybot()], model: new DemoModel() });
  const answer = (run: RunResult) => run.pending?.callId ?? "";

  it("drives the calculator to an approval and, once approved, to the answer", async () => {
    const r = runner();
    const paused = await r.launch("calculator", "What is (3 + 4) / 2?");
    expect(paused.pending).toMatchObject({ tool: "divide", args: { a: 7, b: 2 } });
    const done = await r.respond(paused.threadId, { callId: answer(paused), approved: true });
    expect(done).toMatchObject({ status: "done", output: "(3 + 4) / 2 = 3.5" });
  });

  it("after a rejection asks what to compute instead, and computes the reply", async () => {
    const r = runner();
    const paused = await r.launch("calculator", "10 / 4");
    const asked = await r.respond(paused.threadId, {
      callId: answer(paused),
      approved: false,
      comment: "use multiply",
    });
    expect(asked.pending).toMatchObject({
      tool: "request_more_information",
      message:
        "I could not finish 10 / 4: the division was rejected (use multiply). What should I compute instead?",
    });
    const done = await r.respond(asked.threadId, { callId: answer(asked), response: "10 * 0.25" });
    expect(done).toMatchObject({ status: "done", output: "10 * 0.25 = 2.5" });
    expect(done.events.filter((e) => e.type === "approval_requested")).toHaveLength(1);
  });

  it("stops, saying why, when the reply to that question holds no arithmetic", async () => {
    const r = runner();
    const paused = await r.launch("calculator", "8 / 2");
    const asked = await r.respond(paused.threadId, { callId: answer(paused), approved: false });
    const done = await r.respond(asked.threadId, { callId: answer(asked), response: "never mind" });
    expect(done).toMatchObject({
      status: "done",
      output: "I stopped: the division was rejected (no comment).",
    });
  });

  it("does not propose a failing division again", async () => {
    const r = runner();
    const paused = await r.launch("calculator", "What is 5 / 0?");
    const asked = await r.respond(paused.threadId, { callId: answer(paused), approved: true });
    expect(asked.pending).toMatchObject({
      tool: "request_more_information",
      message: expect.stringMatching(
        /^I could not finish 5 \/ 0: the division failed \(.*division by zero\)/,
      ),
    });
    expect(asked.events.filter((e) => e.type === "approval_requested")).toHaveLength(1);
  });

  it("asks when there is nothing to compute", async () => {
    const asked = await runner().launch("calculator", "hello");
    expect(asked.pending).toMatchObject({ tool: "request_more_information" });
  });

  it("deploys the tag the message names, or the newest, where the message says", async () => {
    const r = runner();
    const named = await r.launch("deploybot", "Deploy v1.1.0 to the backend.");
    expect(named.pending).toMatchObject({ tool: "deploy_backend", args: { tag: "v1.1.0" } });
    const newest = await r.launch("deploybot", "Ship the newest tag to the frontend.");
    expect(newest.pending).toMatchObject({ tool: "deploy_frontend", args: { tag: "v1.2.0" } });
    const done = await r.respond(newest.threadId, { callId: answer(newest), approved: true });
    expect(done.output).toBe("Deployed v1.2.0 to the frontend.");
  });

  it("asks about a tag that is not in the list, and reports a rejection", async () => {
    const r = runner();
    const unknown = await r.launch("deploybot", "Deploy v9.9.9");
    expect(unknown.pending).toMatchObject({
      tool: "request_more_information",
      message:
        "There is no tag v9.9.9; the tags are v1.2.0, v1.1.1, v1.1.0. Which one should I deploy?",
    });
    const paused = await r.launch("deploybot", "Deploy the newest tag.");
    const rejected = await r.respond(paused.threadId, {
      callId: answer(paused),
      approved: false,
      comment: "freeze",
    });
    expect(rejected.output).toBe("Did not deploy v1.2.0: the deployment was rejected (freeze).");
  });
});
