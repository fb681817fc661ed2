import { describe, expect, it } from "vitest";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import { derivePending } from "../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { DemoModel, planArithmetic } from "../../shared/examples/demo-model.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle, withEvent } from "../support/run.ts";

const clock = steppingClock();

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
  const deps = { agent: calculator, model: new DemoModel(), clock };

  it("drives the calculator to an approval and, once approved, to the answer", async () => {
    const paused = await runUntilIdle(
      launch({ agent: calculator, threadId: "t", message: "(3 + 4) / 2", clock }),
      deps,
    );
    const callId = derivePending(paused.thread.events)?.callId ?? "";
    const done = await runUntilIdle(
      withEvent(paused.thread, respond(paused.thread, { callId, approved: true }, clock)),
      deps,
    );
    expect(done.next).toEqual({ type: "done", output: "(3 + 4) / 2 = 3.5" });
  });

  it("stops after a rejection, with or without a comment", async () => {
    for (const comment of [undefined, "no"]) {
      const paused = await runUntilIdle(
        launch({ agent: calculator, threadId: "t", message: "8 / 2", clock }),
        deps,
      );
      const callId = derivePending(paused.thread.events)?.callId ?? "";
      const decision = respond(
        paused.thread,
        { callId, approved: false, ...(comment ? { comment } : {}) },
        clock,
      );
      const done = await runUntilIdle(withEvent(paused.thread, decision), deps);
      expect(done.next).toMatchObject({
        type: "done",
        output: expect.stringContaining("rejected"),
      });
    }
  });

  it("asks when there is nothing to compute, and deploys the newest tag for deploybot", async () => {
    const asked = await runUntilIdle(
      launch({ agent: calculator, threadId: "t", message: "hello", clock }),
      deps,
    );
    expect(asked.next).toMatchObject({ pending: { tool: "request_more_information" } });
    const agent = createDeploybot();
    const deploy = await runUntilIdle(launch({ agent, threadId: "t", message: "ship it", clock }), {
      ...deps,
      agent,
    });
    expect(deploy.next).toMatchObject({
      pending: { tool: "deploy_backend", args: { tag: "v1.2.0" } },
    });
  });
});
