import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow, requestMoreInformation } from "../../shared/core/human-tools.ts";
import { renderSystemPrompt } from "../../shared/core/system-prompt.ts";
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
    const agent = defineAgent({ name: "a", prompt: "p", tools: [lookup, doneForNow] });
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
    ["a name with a character after it", { name: "calc!" }, /agent name "calc!"/],
    ["a name of 65 characters", { name: "a".repeat(65) }, /must be lowercase letters/],
    ["no tools", { tools: [] }, /needs at least one tool/],
    [
      "two tools with one name",
      { tools: [lookup, lookup, doneForNow] },
      /two tools named "lookup"/,
    ],
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
    expect(() =>
      defineAgent({ name: "a", prompt: "p", tools: [lookup, doneForNow], ...override }),
    ).toThrow(ConfigError);
    expect(() =>
      defineAgent({ name: "a", prompt: "p", tools: [lookup, doneForNow], ...override }),
    ).toThrow(message);
  });

  it("refuses an agent without a terminal tool, naming the agent and doneForNow", () => {
    expect(() => defineAgent({ name: "looper", prompt: "p", tools: [lookup] })).toThrow(
      'agent "looper" has no terminal tool, so its threads can never finish: add doneForNow ' +
        '(exported by twelve-agents) or a tool of kind "terminal"',
    );
  });

  it("keeps the limits it is given", () => {
    // Act
    const agent = defineAgent({
      name: "a",
      prompt: "p",
      tools: [lookup, doneForNow],
      maxSteps: 5,
      maxConsecutiveErrors: 2,
      resultBudget: 500,
    });

    // Assess
    expect(agent).toMatchObject({ maxSteps: 5, maxConsecutiveErrors: 2, resultBudget: 500 });
  });

  it.each([
    ["maxSteps", { maxSteps: 2.5 }, "maxSteps must be a positive integer, got 2.5"],
    [
      "maxConsecutiveErrors",
      { maxConsecutiveErrors: 0 },
      "maxConsecutiveErrors must be a positive integer, got 0",
    ],
    ["resultBudget", { resultBudget: -1 }, "resultBudget must be a positive integer, got -1"],
  ])("names the limit %s when it is not a positive integer", (_key, override, message) => {
    expect(() =>
      defineAgent({ name: "a", prompt: "p", tools: [lookup, doneForNow], ...override }),
    ).toThrow(`agent "a": ${message}`);
  });

  it("keeps the zod error of invalid prefetch args as the cause", () => {
    // Act
    let error: unknown;
    try {
      defineAgent({
        name: "a",
        prompt: "p",
        tools: [lookup, doneForNow],
        prefetch: [{ tool: lookup, args: {} }],
      });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).cause).toBeInstanceOf(z.ZodError);
  });

  it("renders a prompt function with the agent's tools", () => {
    const agent = defineAgent({
      name: "a",
      prompt: ({ tools }) => `tools: ${tools.map((t) => t.name).join(",")}`,
      tools: [lookup, doneForNow],
    });
    expect(renderSystemPrompt(agent)).toBe("tools: lookup,done_for_now");
    expect(renderSystemPrompt(calculator)).toContain("calculator agent");
  });
});

describe("Function: defineAgent, schedules (factor 11)", () => {
  const withSchedules = (...schedules: { name: string; expression: string }[]) =>
    defineAgent({
      name: "reporter",
      prompt: "p",
      tools: [lookup, doneForNow],
      schedules: schedules.map((schedule) => ({ ...schedule, message: "daily report" })),
    });

  it("keeps schedules with rate(...) and cron(...) expressions", () => {
    // Act
    const agent = withSchedules(
      { name: "daily", expression: "rate(1 day)" },
      { name: "weekday-9am", expression: "cron(0 9 ? * MON-FRI *)" },
    );

    // Assess
    expect(agent.schedules.map((schedule) => schedule.name)).toEqual(["daily", "weekday-9am"]);
    expect(agent.schedules[0]).toEqual({
      name: "daily",
      expression: "rate(1 day)",
      message: "daily report",
    });
  });

  it.each([
    ["an uppercase letter", "Daily"],
    ["a character after the name", "daily!"],
    ["an empty name", ""],
    ["33 characters", "a".repeat(33)],
  ])("refuses a schedule name with %s", (_case, name) => {
    expect(() => withSchedules({ name, expression: "rate(1 day)" })).toThrow(
      'agent "reporter": schedule names must be unique, lowercase, a-z0-9-',
    );
  });

  it("accepts a 32-character schedule name", () => {
    expect(
      withSchedules({ name: "a".repeat(32), expression: "rate(1 day)" }).schedules,
    ).toHaveLength(1);
  });

  it("refuses two schedules of one name", () => {
    expect(() =>
      withSchedules(
        { name: "daily", expression: "rate(1 day)" },
        { name: "daily", expression: "rate(2 days)" },
      ),
    ).toThrow(ConfigError);
  });

  it.each([
    "every day",
    "at(2026-01-01T09:00:00)",
    "xrate(1 day)",
    "rate(1 day) and more",
    "rate()",
  ])("refuses the schedule expression %j", (expression) => {
    expect(() => withSchedules({ name: "daily", expression })).toThrow(
      `agent "reporter": schedule "daily" needs rate(...) or cron(...), got "${expression}"`,
    );
  });
});
