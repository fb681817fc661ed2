import { describe, expect, it } from "vitest";
import { defineTool } from "../../shared/core/tool.ts";
import { toFunctionTool } from "../../shared/llm/ai-sdk/request.ts";

const tool = (properties: Record<string, unknown>, required: string[]) =>
  defineTool({
    name: "find",
    description: "Find a record.",
    parameters: { type: "object", properties, required, additionalProperties: false },
    kind: "sync",
    run: () => "found",
  });

describe("Function: toFunctionTool", () => {
  it("marks a schema strict calling cannot take strict: false, and leaves a strict one be", () => {
    // Prepare: an optional property (as MCP servers write them), and every property required
    const optional = tool({ id: { type: "string" }, reason: { type: "string" } }, ["id"]);
    const strict = tool({ id: { type: "string" } }, ["id"]);

    // Act
    const loose = toFunctionTool(optional.spec);
    const tight = toFunctionTool(strict.spec);

    // Assess
    expect(optional.spec.strict).toBe(false);
    expect(loose).toMatchObject({ type: "function", name: "find", strict: false });
    expect(loose.inputSchema).toEqual(optional.spec.parameters);
    expect(tight).not.toHaveProperty("strict");
  });
});
