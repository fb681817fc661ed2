import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ConfigError } from "../../shared/core/errors.ts";
import { defineTool, idempotencyKey } from "../../shared/core/tool.ts";
import { add } from "../../shared/examples/calculator/tools.ts";

describe("Function: defineTool", () => {
  it("generates a strict JSON Schema from the zod input", () => {
    expect(add.spec).toEqual({
      name: "add",
      description: "Add two numbers: a + b.",
      parameters: {
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
        additionalProperties: false,
      },
    });
  });

  it("closes nested objects too", () => {
    const tool = defineTool({
      name: "nested",
      description: "d",
      input: z.object({
        items: z.array(z.object({ id: z.string(), note: z.string().nullable() })),
      }),
      kind: "human",
    });
    expect(tool.spec.parameters).toMatchObject({
      properties: {
        items: {
          items: {
            required: ["id", "note"],
            additionalProperties: false,
            properties: { note: { type: ["string", "null"] } },
          },
        },
      },
    });
  });

  it("sends an optional property as a required, nullable one (strict function calling)", () => {
    const tool = defineTool({
      name: "opt",
      description: "d",
      input: z.object({
        a: z.number().optional(),
        b: z.string().describe("a note").optional(),
        c: z.enum(["x", "y"]).optional(),
        d: z.string().nullish(),
        e: z.string(),
      }),
      kind: "terminal",
    });
    expect(tool.spec.parameters).toEqual({
      type: "object",
      properties: {
        a: { type: ["number", "null"] },
        b: { type: ["string", "null"], description: "a note" },
        c: { anyOf: [{ type: "string", enum: ["x", "y"] }, { type: "null" }] },
        d: { type: ["string", "null"] },
        e: { type: "string" },
      },
      required: ["a", "b", "c", "d", "e"],
      additionalProperties: false,
    });
  });

  it("rejects a name the model APIs refuse", () => {
    expect(() =>
      defineTool({ name: "has space", description: "d", input: z.object({}), kind: "terminal" }),
    ).toThrow(/tool name "has space" must match/);
  });

  it("rejects a sync or approval tool without run()", () => {
    const bad = {
      name: "x",
      description: "d",
      input: z.object({}),
      kind: "sync",
    } as unknown as Parameters<typeof defineTool>[0];
    expect(() => defineTool(bad)).toThrow(/kind sync and needs run\(\)/);
  });

  it("rejects an input zod cannot express as JSON Schema, naming the field, the reason and the fix", () => {
    // Prepare
    const input = z.object({ when: z.date() });

    // Act
    let error: unknown;
    try {
      defineTool({ name: "d", description: "d", input, kind: "human" });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'tool "d": input.properties.when cannot be expressed as JSON Schema (Date cannot be ' +
        "represented in JSON Schema); the model sends JSON, so use a type JSON can carry (a " +
        "string such as z.iso.datetime() for a date, a number for a bigint, an array for a set, " +
        "no .transform())",
    );
    expect((error as ConfigError).cause).toBeInstanceOf(Error);
  });

  it("names a nested field zod cannot express as JSON Schema by its path", () => {
    expect(() =>
      defineTool({
        name: "bulk",
        description: "d",
        input: z.object({ items: z.array(z.object({ amount: z.bigint() })) }),
        kind: "human",
      }),
    ).toThrow('tool "bulk": input.properties.items.items.properties.amount cannot be expressed');
  });

  it("rejects an approval tool without run()", () => {
    const bad = {
      name: "deploy",
      description: "d",
      input: z.object({}),
      kind: "approval",
    } as unknown as Parameters<typeof defineTool>[0];
    expect(() => defineTool(bad)).toThrow('tool "deploy" is of kind approval and needs run()');
  });

  it("defines human and terminal tools without run()", () => {
    for (const kind of ["human", "terminal"] as const) {
      const tool = defineTool({ name: "ask", description: "d", input: z.object({}), kind });
      expect(tool.kind).toBe(kind);
      expect(tool.run).toBeUndefined();
    }
  });

  it.each<[string, z.ZodObject, (string | number)[], unknown]>([
    [
      "a nested object",
      z.object({ order: z.object({ id: z.string(), note: z.string().optional() }) }),
      ["properties", "order", "required"],
      ["id", "note"],
    ],
    [
      "a list of objects",
      z.object({ items: z.array(z.object({ id: z.string(), qty: z.number().optional() })) }),
      ["properties", "items", "items", "properties", "qty"],
      { type: ["number", "null"] },
    ],
    [
      "the second branch of a union",
      z.object({
        target: z.union([z.object({ host: z.string() }), z.object({ ip: z.string().optional() })]),
      }),
      ["properties", "target", "anyOf", 1, "required"],
      ["ip"],
    ],
    [
      "the second element of a tuple",
      z.object({ pair: z.tuple([z.string(), z.object({ at: z.string().optional() })]) }),
      ["properties", "pair", "prefixItems", 1, "properties", "at"],
      { type: ["string", "null"] },
    ],
    [
      "an optional nested object",
      z.object({ order: z.object({ id: z.string() }).optional() }),
      ["properties", "order"],
      {
        anyOf: [
          {
            type: "object",
            properties: { id: { type: "string" } },
            required: ["id"],
            additionalProperties: false,
          },
          { type: "null" },
        ],
      },
    ],
  ])("makes an optional property required and nullable in %s", (_case, input, path, expected) => {
    const tool = defineTool({ name: "deep", description: "d", input, kind: "human" });
    const found = path.reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown>)[key],
      tool.spec.parameters,
    );
    expect(found).toEqual(expected);
  });

  it("rejects an object that allows additional properties", () => {
    expect(() =>
      defineTool({
        name: "loose",
        description: "d",
        input: z.object({ meta: z.looseObject({ id: z.string() }) }),
        kind: "human",
      }),
    ).toThrow('tool "loose": input.properties.meta must not allow additional properties');
  });

  it("says what to use instead of a .loose() object, and why", () => {
    expect(() =>
      defineTool({
        name: "loose",
        description: "d",
        input: z.object({ id: z.string() }).loose(),
        kind: "human",
      }),
    ).toThrow(
      'tool "loose": input must not allow additional properties (a .loose(), .passthrough() or ' +
        ".catchall() object: use z.object or .strict(); strict function calling needs every " +
        "object closed, so the model cannot add fields the tool never reads)",
    );
  });

  it("rejects a record, whose keys are open, at definition time", () => {
    expect(() =>
      defineTool({
        name: "labels",
        description: "d",
        input: z.object({ labels: z.record(z.string(), z.string()) }),
        kind: "human",
      }),
    ).toThrow(
      'tool "labels": input.properties.labels must not allow additional properties (a z.record',
    );
  });

  it("accepts a nullable field with a null default, and a field named properties", () => {
    // Act
    const tool = defineTool({
      name: "crm_update",
      description: "d",
      input: z.object({
        note: z.string().nullable().default(null),
        properties: z.object({ plan: z.string() }),
      }),
      kind: "human",
    });

    // Assess
    expect(tool.spec.parameters).toEqual({
      type: "object",
      properties: {
        note: { default: null, type: ["string", "null"] },
        properties: {
          type: "object",
          properties: { plan: { type: "string" } },
          required: ["plan"],
          additionalProperties: false,
        },
      },
      required: ["note", "properties"],
      additionalProperties: false,
    });
  });
});

describe("Function: idempotencyKey", () => {
  it("joins thread id and call id, so every retry of a call shares it", () => {
    expect(idempotencyKey("thr_1", "call_3")).toBe("thr_1:call_3");
  });
});
