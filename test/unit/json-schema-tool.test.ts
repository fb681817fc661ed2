import { describe, expect, it } from "vitest";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { isStrictSchema } from "../../shared/core/json-schema-tool.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { toFunctionTool } from "../../shared/llm/openai-model.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle } from "../support/run.ts";

const closed = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: { email: { type: "string", format: "email" }, limit: { type: "integer" } },
  required: ["email", "limit"],
  additionalProperties: false,
} as const;

const open = {
  type: "object",
  properties: {
    email: { type: "string" },
    filter: { type: "object", properties: { since: { type: "string" } } },
  },
  required: ["email"],
} as const;

describe("Function: defineTool with a JSON Schema", () => {
  it("sends the schema as written (without $schema) and keeps a closed one strict", () => {
    // Act
    const tool = defineTool({ name: "find", description: "d", parameters: closed, kind: "human" });

    // Assess
    const { $schema: _marker, ...sent } = closed;
    expect(tool.spec).toEqual({ name: "find", description: "d", parameters: sent });
    expect(toFunctionTool(tool.spec).function.strict).toBe(true);
  });

  it("sends a schema with optional properties or open objects with strict: false", () => {
    // Act
    const tool = defineTool({ name: "find", description: "d", parameters: open, kind: "human" });
    const nested = defineTool({
      name: "nested",
      description: "d",
      parameters: {
        type: "object",
        properties: { f: { type: "object", properties: { a: { type: "string" } } } },
        required: ["f"],
        additionalProperties: false,
      },
      kind: "human",
    });

    // Assess
    expect(tool.spec.strict).toBe(false);
    expect(toFunctionTool(tool.spec).function.strict).toBe(false);
    expect(nested.spec.strict).toBe(false);
  });

  it("refuses a schema that is not an object, or one it cannot check, naming the tool", () => {
    const define = (parameters: unknown) => () =>
      defineTool({
        name: "bad",
        description: "d",
        parameters: parameters as typeof open,
        kind: "human",
      });
    expect(define({ type: "string" })).toThrow(ConfigError);
    expect(define({ type: "string" })).toThrow(/tool "bad": parameters must be .* "object"/);
    expect(define({ type: "object", if: {}, else: {} })).toThrow(/tool "bad": .*cannot be used/);
  });

  it("checks the model's arguments against the schema before run, naming each field", async () => {
    // Prepare
    const runs: unknown[] = [];
    const find = defineTool({
      name: "find",
      description: "Find a customer.",
      parameters: open,
      kind: "sync",
      run: (args) => {
        runs.push(args);
        return "found";
      },
    });
    const agent = defineAgent({ name: "crm", prompt: "p", tools: [find, doneForNow] });
    const clock = steppingClock();
    const thread = launch({ agent, threadId: "thr_js", message: "go", clock });
    const model = new ScriptedModel([
      call("find", { email: 3, filter: { since: 1 } }),
      call("find", { email: "a@b.c" }),
      call("done_for_now", { message: "ok" }),
    ]);

    // Act
    const { thread: after } = await runUntilIdle(thread, { agent, model, clock });

    // Assess: the bad call is an invalid_args error naming both fields; the good one runs
    const error = after.events.find((event) => event.type === "error");
    expect(error?.data).toMatchObject({ code: "invalid_args", tool: "find" });
    expect(error?.type === "error" && error.data.message).toMatch(/email: .*expected string/);
    expect(error?.type === "error" && error.data.message).toMatch(/filter\.since: /);
    expect(runs).toEqual([{ email: "a@b.c" }]);
  });
});

describe("Function: isStrictSchema", () => {
  const closed = (properties: Record<string, unknown>) => ({
    type: "object",
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });

  it("takes closed objects through items, anyOf and $defs, whatever the property names", () => {
    expect(
      isStrictSchema({
        ...closed({
          default: { type: "string" }, // a property named like a keyword is still a property
          list: { type: "array", items: closed({ id: { type: "string", pattern: "^a" } }) },
          either: { anyOf: [{ type: "string" }, { $ref: "#/$defs/n" }] },
        }),
        $defs: { n: { type: "number", minimum: 0 } },
      }),
    ).toBe(true);
  });

  it("refuses a keyword strict mode does not take, an open object or an optional property inside", () => {
    expect(isStrictSchema(closed({ a: { type: "string", default: "x" } }))).toBe(false);
    expect(isStrictSchema(closed({ a: { oneOf: [{ type: "string" }] } }))).toBe(false);
    expect(isStrictSchema(closed({ a: { type: "array", items: { type: "object" } } }))).toBe(false);
    expect(
      isStrictSchema({ ...closed({}), $defs: { d: { type: "object", properties: { x: {} } } } }),
    ).toBe(false);
  });
});
