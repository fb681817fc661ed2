import { describe, expect, it } from "vitest";
import { draftCase } from "../../shared/evals/case-draft.ts";
import {
  caseFromThread,
  checkCase,
  DatasetError,
  EVAL_CASE_VERSION,
  evalCaseJsonSchema,
  parseDataset,
  runEval,
} from "../../shared/evals/index.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

async function oneCase(id = "c1") {
  const model = new ScriptedModel([
    call("add", { a: 1, b: 2 }),
    call("done_for_now", { message: "3" }),
  ]);
  const run = await createRunner({ agents: [calculator], model }).launch("calculator", "1 + 2?");
  return caseFromThread({ ...run, agent: "calculator" }, { id });
}

const lines = (...values: unknown[]) =>
  values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n");

describe("Function: parseDataset", () => {
  it("reads one case per line, skipping blank lines", async () => {
    const text = lines(await oneCase("a"), "", await oneCase("b"));
    expect(parseDataset(text).map((c) => c.id)).toEqual(["a", "b"]);
  });

  it("names the line of JSON that does not parse", async () => {
    const text = lines(await oneCase(), "{not json");
    expect(() => parseDataset(text, "evals/calc.jsonl")).toThrow(/^evals\/calc\.jsonl:2: not JSON/);
  });

  it("names the line and the field of a line that is not a case", async () => {
    const broken = { ...(await oneCase()), clock: { start: "yesterday", stepMs: 1 } };
    const error = (() => {
      try {
        parseDataset(lines(broken), "d.jsonl");
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect(error?.line).toBe(1);
    expect(error?.message).toMatch(/^d\.jsonl:1: not an eval case: clock\.start/);
  });

  it("refuses a case of a newer format version, by line, saying to upgrade", async () => {
    const newer = { ...(await oneCase("n")), version: EVAL_CASE_VERSION + 1 };
    const text = lines(await oneCase(), newer);
    expect(() => parseDataset(text, "d.jsonl")).toThrow(
      /^d\.jsonl:2: the case is of format version 2; .*upgrade twelve-agents/,
    );
  });

  it("names the line of an output pattern that is not a regular expression", async () => {
    const bad = { ...(await oneCase("p")), expect: { output: { pattern: "([0-9]+" } } };
    const text = lines(await oneCase(), bad);
    expect(() => parseDataset(text, "d.jsonl")).toThrow(
      /^d\.jsonl:2: not an eval case: expect\.output\.pattern: not a valid regular expression/,
    );
  });

  it("refuses two cases with one id", async () => {
    const text = lines(await oneCase(), await oneCase());
    expect(() => parseDataset(text, "d.jsonl")).toThrow(
      'd.jsonl:2: case id "c1" is used on line 1 too',
    );
  });
});

describe("Function: runEval (checks)", () => {
  it("refuses a case of an unknown agent before running anything, naming its line", async () => {
    const text = lines(await oneCase("a"), { ...(await oneCase("b")), agent: "nobody" });
    const model = new ScriptedModel([]);
    await expect(
      runEval({ cases: parseDataset(text, "d.jsonl"), agents: [calculator], model }),
    ).rejects.toThrow('d.jsonl:2 (case b): unknown agent "nobody"; the agents are calculator');
    model.assertDone();
  });

  it("refuses no cases at all: an empty dataset is not a pass", async () => {
    await expect(
      runEval({ cases: parseDataset("\n", "d.jsonl"), agents: [calculator] }),
    ).rejects.toThrow(new DatasetError("no cases: the dataset is empty", 0));
  });
});

describe("Function: caseFromThread", () => {
  it("cuts at the first message by default, expecting what the thread went on to do", async () => {
    const c = await oneCase();
    expect(c.events.map((e) => e.type)).toEqual(["user_message"]);
    expect(c.expect).toEqual({
      calls: [
        { tool: "add", args: { a: 1, b: 2 } },
        { tool: "done_for_now", args: { message: "3" } },
      ],
      status: "done",
      output: { exact: "3" },
    });
    expect(c.clock.start).toBe(c.events[0]?.at);
  });

  it("cuts at a later version", async () => {
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);
    const run = await createRunner({ agents: [calculator], model }).launch("calculator", "1 + 2?");
    const c = caseFromThread({ ...run, agent: "calculator" }, { at: 3 });
    expect(c.events).toHaveLength(3);
    expect(c.expect.calls).toEqual([{ tool: "done_for_now", args: { message: "3" } }]);
    expect(() => caseFromThread({ ...run, agent: "calculator" }, { at: 99 })).toThrow(
      /cannot cut it at 99/,
    );
  });
});

describe("Function: evalCaseJsonSchema", () => {
  it("describes the format as JSON Schema, requiring what a case must carry", () => {
    const schema = evalCaseJsonSchema();
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(
      expect.arrayContaining(["version", "id", "agent", "threadId", "clock", "events"]),
    );
    expect(schema.required).not.toContain("recorded");
  });
});

describe("Function: draftCase (the console's case builder)", () => {
  it("drops the version the API lists each event with, and passes the schema", async () => {
    const model = new ScriptedModel([call("done_for_now", { message: "hi" })]);
    const run = await createRunner({ agents: [calculator], model }).launch("calculator", "hi");
    const listed = run.events.map((event, i) => ({ ...event, version: i + 1 }));
    const draft = draftCase({ threadId: run.threadId, agent: "calculator", events: listed });
    expect(draft.events[0]).not.toHaveProperty("version");
    expect(checkCase(draft)).toEqual(draft);
    expect(() => draftCase({ ...run, agent: "calculator" }, { at: 0 })).toThrow(RangeError);
  });
});
