import { ConfigError } from "./errors.ts";
import { type IfRunning, ifRunningPolicies } from "./message.ts";
import type { Tool } from "./tool.ts";

/** A deterministic call an agent makes before its first model call (factor 13). */
export interface PrefetchCall {
  tool: Tool;
  args: Record<string, unknown>;
}

/**
 * A schedule that launches the agent (factor 11): an EventBridge schedule expression in AWS
 * (`rate(1 day)`, `cron(0 9 * * ? *)`), fired by the local stack's scheduler on this machine.
 */
export interface AgentSchedule {
  /** Unique within the agent; part of the rule's name and of each launch's idempotency key. */
  name: string;
  expression: string;
  /** The launched thread's user message. */
  message: string;
}

export interface AgentOptions {
  /** Unique name: the `agent` of `POST /threads`. */
  name: string;
  /** The system prompt: a plain string, or a pure function of the agent's tools (factor 2). */
  prompt: string | ((context: { tools: readonly Tool[] }) => string);
  /** The handful of tools this agent may call (factor 10). */
  tools: readonly Tool[];
  /** Model calls allowed between two human inputs; past it the thread escalates. Default 20. */
  maxSteps?: number;
  /** Consecutive errors that escalate to a human. Default 3. */
  maxConsecutiveErrors?: number;
  /** Characters of one tool result shown to the model before truncation. Default 2000. */
  resultBudget?: number;
  /** Calls run before the first model call; their results are in the first context. */
  prefetch?: readonly PrefetchCall[];
  /** Schedules that launch this agent. */
  schedules?: readonly AgentSchedule[];
  /**
   * What a message does to a thread whose step is in flight when the request names no
   * `ifRunning`: `enqueue` (default) keeps it for right after that step, `interrupt` drops that
   * step's model answer for it, `reject` refuses it (`409 thread_busy`).
   */
  onRunning?: IfRunning;
}

export interface Agent {
  readonly name: string;
  readonly prompt: AgentOptions["prompt"];
  readonly tools: readonly Tool[];
  readonly maxSteps: number;
  readonly maxConsecutiveErrors: number;
  readonly resultBudget: number;
  readonly prefetch: readonly PrefetchCall[];
  readonly schedules: readonly AgentSchedule[];
  readonly onRunning: IfRunning;
  /** Finds a tool the model may call, by name. */
  tool(name: string): Tool | undefined;
}

/**
 * Defines an agent: a prompt, a few tools and a step cap.
 *
 * @example
 * const calculator = defineAgent({
 *   name: "calculator",
 *   prompt: "You are a careful calculator.",
 *   tools: [add, doneForNow],
 *   maxSteps: 10,
 * });
 */
export function defineAgent(options: AgentOptions): Agent {
  const { name, tools, prefetch = [], schedules = [] } = options;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
    throw new ConfigError(`agent name "${name}" must be lowercase letters, digits, _ or -`);
  }
  if (tools.length === 0) throw new ConfigError(`agent "${name}" needs at least one tool`);
  const byName = new Map<string, Tool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) {
      throw new ConfigError(`agent "${name}" has two tools named "${tool.name}"`);
    }
    byName.set(tool.name, tool);
  }
  for (const call of prefetch) {
    if (call.tool.kind !== "sync") {
      throw new ConfigError(`agent "${name}": prefetch tool "${call.tool.name}" must be sync`);
    }
    const parsed = call.tool.input.safeParse(call.args);
    if (!parsed.success) {
      throw new ConfigError(`agent "${name}": prefetch args for "${call.tool.name}" are invalid`, {
        cause: parsed.error,
      });
    }
  }
  const scheduleNames = new Set<string>();
  for (const schedule of schedules) {
    if (!/^[a-z0-9-]{1,32}$/.test(schedule.name) || scheduleNames.has(schedule.name)) {
      throw new ConfigError(`agent "${name}": schedule names must be unique, lowercase, a-z0-9-`);
    }
    if (!/^(rate|cron)\(.+\)$/.test(schedule.expression)) {
      throw new ConfigError(
        `agent "${name}": schedule "${schedule.name}" needs rate(...) or cron(...), got "${schedule.expression}"`,
      );
    }
    scheduleNames.add(schedule.name);
  }
  const onRunning = options.onRunning ?? "enqueue";
  if (!ifRunningPolicies.includes(onRunning)) {
    throw new ConfigError(
      `agent "${name}": onRunning must be one of ${ifRunningPolicies.join(", ")}, got "${onRunning}"`,
    );
  }
  const positive = (
    key: "maxSteps" | "maxConsecutiveErrors" | "resultBudget",
    fallback: number,
  ) => {
    const value = options[key] ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`agent "${name}": ${key} must be a positive integer, got ${value}`);
    }
    return value;
  };
  return Object.freeze({
    name,
    prompt: options.prompt,
    tools,
    maxSteps: positive("maxSteps", 20),
    maxConsecutiveErrors: positive("maxConsecutiveErrors", 3),
    resultBudget: positive("resultBudget", 2000),
    prefetch,
    schedules,
    onRunning,
    tool: (toolName: string) => byName.get(toolName),
  });
}

/** The agent's system prompt, rendered. */
export const renderSystemPrompt = (agent: Agent): string =>
  typeof agent.prompt === "string" ? agent.prompt : agent.prompt({ tools: agent.tools });
