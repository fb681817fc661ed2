import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent, renderSystemPrompt } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { requestMoreInformation } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { calculator } from "../../shared/examples/agents.ts";

const lookup = defineTool({
  name: "lookup",
  description: "d",
  input: z.object({ id: z.string() }),
  kind: "sync",
  run: ({ id }) => id,
});

describe("Function: defineAgent", () => {
  it("applies defaults and finds tools by name", () => {
    const agent = defineAgent({ name: "a", prompt: "p", tools: [lookup] });
    expect(agent).toMatchObject({
      maxSteps: 20,
      maxConsecutiveErrors: 3,
      resultBudget: 2000,
      prefetch: [],
      schedules: [],
    });
    expect(agent.tool("lookup")).toBe(lookup);
    expect(agent.tool("nope")).toBeUndefined();
    expect(renderSystemPrompt(agent)).toBe("p");
  });

  it.each([
    ["a bad name", { name: "Bad Name" }, /agent name "Bad Name"/],
    ["no tools", { tools: [] }, /needs at least one tool/],
    ["two tools with one name", { tools: [lookup, lookup] }, /two tools named "lookup"/],
    ["a zero step cap", { maxSteps: 0 }, /maxSteps must be a positive integer/],
    [
      "a prefetch of a pausing tool",
      { prefetch: [{ tool: requestMoreInformation, args: { message: "x" } }] },
      /must be sync/,
    ],
    [
      "prefetch args that fail the schema",
      { prefetch: [{ tool: lookup, args: { id: 1 } }] },
      /prefetch args for "lookup"/,
    ],
  ])("refuses %s", (_case, override, message) => {
    expect(() => defineAgent({ name: "a", prompt: "p", tools: [lookup], ...override })).toThrow(
      ConfigError,
    );
    expect(() => defineAgent({ name: "a", prompt: "p", tools: [lookup], ...override })).toThrow(
      message,
    );
  });

  it("renders a prompt function with the agent's tools", () => {
    const agent = defineAgent({
      name: "a",
      prompt: ({ tools }) => `tools: ${tools.map((t) => t.name).join(",")}`,
      tools: [lookup],
    });
    expect(renderSystemPrompt(agent)).toBe("tools: lookup");
    expect(renderSystemPrompt(calculator)).toContain("calculator agent");
  });
});
