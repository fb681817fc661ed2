import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ConfigError } from "../../shared/core/errors.ts";
import { defineTool } from "../../shared/core/tool.ts";
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

  it("rejects optional properties, which strict function calling cannot express", () => {
    const define = () =>
      defineTool({
        name: "opt",
        description: "d",
        input: z.object({ a: z.number().optional() }),
        kind: "terminal",
      });
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(/optional properties \(a\).*use \.nullable\(\)/);
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

  it("rejects an input zod cannot express as JSON Schema", () => {
    const input = z.object({ when: z.date() });
    expect(() => defineTool({ name: "d", description: "d", input, kind: "human" })).toThrow(
      ConfigError,
    );
  });
});
