import { ConfigError } from "./errors.ts";
import type { ThreadEvent } from "./events.ts";
import { type IfRunning, ifRunningPolicies } from "./message.ts";
import type { Model, ModelRequest, ToolSource } from "./ports.ts";
import type { RunContextOf, RunContextSchema } from "./run-context.ts";
import { type PromptFunction, renderSystemPrompt } from "./system-prompt.ts";
import type { Thread } from "./thread.ts";
import { estimateTokens, requestTokens, type TokenCounter } from "./tokens.ts";
import type { Tool, ToolSpec } from "./tool.ts";

/** How a compaction is written: deterministic elision, or a summary by the model. */
export const compactionMethods = ["elide", "model"] as const;
export type CompactionMethod = (typeof compactionMethods)[number];

/**
 * Tokens a budget must leave for the thread beyond the system prompt and the tools: below it, a
 * compacted context would hold next to nothing of the thread.
 */
export const MIN_THREAD_TOKENS = 1024;

/** A deterministic call an agent makes before its first model call (factor 13). */
export interface PrefetchCall<C = Record<string, unknown>> {
  tool: Tool;
  /** The call's arguments, or a pure function of the run context giving them. */
  args: Record<string, unknown> | PrefetchArgs<C>;
}

/** Arguments of a prefetch call from the thread's run context (`{ ticketId }` from metadata). */
// Method syntax on purpose (bivariant): an agent's typed prefetch stays assignable to `Agent`'s.
export type PrefetchArgs<C> = {
  args(context: { runContext: C }): Record<string, unknown>;
}["args"];

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

/**
 * What an agent's own `context` function is handed: the default renderer and its parts
 * (`contextOf` in context.ts fills it in from render.ts; declared here, with the agent's options,
 * so the agent's definition imports neither).
 */
export interface ContextHelpers {
  /** The default request: the system prompt and the thread as tagged blocks, compactions applied. */
  render(thread: Thread): ModelRequest;
  /** The thread's events as tagged blocks, the compaction in force applied. */
  renderEvents(events: readonly ThreadEvent[], resultBudget: number): string;
  /** A value as compact `key: value` lines. */
  renderValue(value: unknown, indent?: string): string;
  /** Text cut to a number of characters, with a marker. */
  truncate(text: string, budget: number): string;
  /** The agent's system prompt, rendered. */
  systemPrompt: string;
  /** The agent's tools as the model sees them. */
  tools: ToolSpec[];
  /** The agent's token counter (the one `contextBudget` is counted with). */
  countTokens: TokenCounter;
}

export interface AgentOptions<
  R extends RunContextSchema | undefined = RunContextSchema | undefined,
> {
  /** Unique name: the `agent` of `POST /threads`. */
  name: string;
  /**
   * The run context the agent's threads carry, as a zod object: each launch's `metadata` must
   * pass it (else `InvalidMetadataError`, HTTP 400 `invalid_metadata`, and nothing is written), and
   * tools (`context.runContext`), prefetch args and the prompt function get it parsed and typed.
   * Without it they get the launch metadata as it is.
   */
  runContext?: R;
  /**
   * The system prompt: a plain string, or a pure function of the agent's tools and the thread's
   * run context (factor 2).
   */
  prompt: string | PromptFunction<RunContextOf<R>>;
  /** The handful of tools this agent may call (factor 10). */
  tools: readonly Tool[];
  /**
   * Where more of its tools come from at run time: MCP servers (`mcpServer` from
   * `twelve-agents/mcp`). Listed when a step first needs them, never at import.
   */
  mcp?: readonly ToolSource[];
  /** Model calls allowed between two human inputs; past it the thread escalates. Default 20. */
  maxSteps?: number;
  /** Consecutive errors that escalate to a human. Default 3. */
  maxConsecutiveErrors?: number;
  /** Characters of one tool result shown to the model before truncation. Default 2000. */
  resultBudget?: number;
  /** Calls run before the first model call; their results are in the first context. */
  prefetch?: readonly PrefetchCall<RunContextOf<R>>[];
  /** Schedules that launch this agent. */
  schedules?: readonly AgentSchedule[];
  /**
   * What a message does to a thread whose step is in flight when the request names no
   * `ifRunning`: `enqueue` (default) keeps it for right after that step, `interrupt` drops that
   * step's model answer for it, `reject` refuses it (`409 thread_busy`).
   */
  onRunning?: IfRunning;
  /**
   * Tokens the model's whole request may hold (system prompt, tools and thread), counted with
   * `countTokens`. A step whose request would exceed it compacts the context first (a
   * `compaction` event), so every request stays within it. Default: no budget.
   */
  contextBudget?: number;
  /** How a compaction is written: `elide` (default, deterministic) or `model` (a step of its own). */
  compaction?: CompactionMethod;
  /** Counts tokens for `contextBudget`. Default `estimateTokens`, an upper estimate for o200k. */
  countTokens?: TokenCounter;
  /**
   * Owns the context format entirely (factor 3): the request for the next model call, from the
   * thread. `helpers.render(thread)` is the default renderer (compactions applied).
   */
  context?: (thread: Thread, helpers: ContextHelpers) => ModelRequest;
  /**
   * Model tokens (in and out) allowed between two human inputs, like `maxSteps`; past it the
   * thread escalates (`max_tokens`). Default: no cap.
   */
  maxTokens?: number;
  /**
   * This agent's own model (a small one for triage, a large one for planning). Default: the
   * agents module's `model` export, else the environment's (`OPENAI_API_KEY`, ...).
   */
  model?: Model;
  /**
   * How deep the tree of child threads under a root may grow when this agent calls an agent tool
   * (`agentTool`): a call that would launch a child deeper than this is refused with a compact
   * error the model reads. The root is at depth 0. Default 3.
   */
  maxDepth?: number;
}

export interface Agent {
  readonly name: string;
  readonly prompt: AgentOptions["prompt"];
  /** The schema of the run context its launches must carry, if it declares one. */
  readonly runContext: RunContextSchema | undefined;
  readonly tools: readonly Tool[];
  /** The sources of its run-time tools (MCP servers); the runtime lists them for each step. */
  readonly mcp: readonly ToolSource[];
  readonly maxSteps: number;
  readonly maxConsecutiveErrors: number;
  readonly resultBudget: number;
  readonly prefetch: readonly PrefetchCall[];
  readonly schedules: readonly AgentSchedule[];
  readonly onRunning: IfRunning;
  readonly contextBudget: number | undefined;
  readonly compaction: CompactionMethod;
  readonly countTokens: TokenCounter;
  readonly context: AgentOptions["context"];
  readonly maxTokens: number | undefined;
  /** The agent's own model, if it names one (see `AgentOptions.model`). */
  readonly model: Model | undefined;
  /** The deepest child thread this agent's agent tools may launch (see `AgentOptions.maxDepth`). */
  readonly maxDepth: number;
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
export function defineAgent<R extends RunContextSchema | undefined = undefined>(
  options: AgentOptions<R>,
): Agent {
  const { name, tools, prefetch = [], schedules = [], runContext } = options;
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
  for (const tool of [...tools, ...prefetch.map((call) => call.tool)]) {
    if (tool.runContext && !runContext) {
      throw new ConfigError(
        `agent "${name}": tool "${tool.name}" reads a run context (runContext), so the agent ` +
          "must declare one too (runContext: z.object({...})): its launches are checked against it",
      );
    }
  }
  // Without a terminal tool the model has no way to finish: every thread would run to maxSteps.
  if (!tools.some((tool) => tool.kind === "terminal")) {
    throw new ConfigError(
      `agent "${name}" has no terminal tool, so its threads can never finish: add doneForNow ` +
        '(exported by twelve-agents) or a tool of kind "terminal"',
    );
  }
  for (const call of prefetch) {
    if (call.tool.kind !== "sync") {
      throw new ConfigError(`agent "${name}": prefetch tool "${call.tool.name}" must be sync`);
    }
    // Args computed from the run context are checked when a thread computes them.
    if (typeof call.args === "function") continue;
    const parsed = call.tool.input.safeParse(call.args);
    if (!parsed.success) {
      throw new ConfigError(`agent "${name}": prefetch args for "${call.tool.name}" are invalid`, {
        cause: parsed.error,
      });
    }
  }
  const mcp = toolSources(name, options.mcp);
  checkDeclaredNames(name, tools, mcp);
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
  const compaction = options.compaction ?? "elide";
  if (!compactionMethods.includes(compaction)) {
    throw new ConfigError(
      `agent "${name}": compaction must be one of ${compactionMethods.join(", ")}, got "${compaction}"`,
    );
  }
  const positive = (
    key:
      | "maxSteps"
      | "maxConsecutiveErrors"
      | "resultBudget"
      | "contextBudget"
      | "maxTokens"
      | "maxDepth",
    fallback: number,
  ) => {
    const value = options[key] ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`agent "${name}": ${key} must be a positive integer, got ${value}`);
    }
    return value;
  };
  const countTokens = options.countTokens ?? estimateTokens;
  const contextBudget =
    options.contextBudget === undefined ? undefined : positive("contextBudget", 0);
  // A prompt computed from a declared run context cannot be rendered without a thread: such a
  // budget is checked when a step renders it.
  if (contextBudget !== undefined && !(runContext && typeof options.prompt === "function")) {
    const fixed = fixedTokens(options, countTokens);
    if (contextBudget - fixed < MIN_THREAD_TOKENS) {
      throw new ConfigError(
        `agent "${name}": contextBudget ${contextBudget} leaves ${contextBudget - fixed} tokens ` +
          `for the thread once the system prompt and the tools (${fixed}) are counted; ` +
          `it needs at least ${MIN_THREAD_TOKENS}`,
      );
    }
  }
  return Object.freeze({
    name,
    prompt: options.prompt,
    runContext,
    tools,
    mcp,
    maxSteps: positive("maxSteps", 20),
    maxConsecutiveErrors: positive("maxConsecutiveErrors", 3),
    resultBudget: positive("resultBudget", 2000),
    prefetch,
    schedules,
    onRunning,
    contextBudget,
    compaction,
    countTokens,
    context: options.context,
    maxTokens: options.maxTokens === undefined ? undefined : positive("maxTokens", 0),
    model: ownModel(name, options.model),
    maxDepth: positive("maxDepth", 3),
    tool: (toolName: string) => byName.get(toolName),
  });
}

/** The tokens of a request holding only the system prompt and the tools. */
export function fixedTokens(
  agent: Pick<AgentOptions, "prompt" | "tools">,
  countTokens: TokenCounter,
  runContext: Record<string, unknown> = {},
): number {
  const request: ModelRequest = {
    messages: [
      { role: "system", content: renderSystemPrompt(agent, runContext) },
      { role: "user", content: "" },
    ],
    tools: agent.tools.map((tool) => tool.spec),
  };
  return requestTokens(request, countTokens);
}
/** An agent's tool sources, checked at definition: each with tools() and a name of its own. */
function toolSources(name: string, sources: unknown): readonly ToolSource[] {
  if (sources === undefined) return [];
  if (!Array.isArray(sources)) throw new ConfigError(`agent "${name}": mcp must be an array`);
  const names = new Set<string>();
  for (const source of sources as Partial<ToolSource>[]) {
    if (typeof source?.tools !== "function" || typeof source.name !== "string") {
      throw new ConfigError(`agent "${name}": mcp holds something that is not an mcpServer(...)`);
    }
    if (names.has(source.name)) {
      throw new ConfigError(`agent "${name}" has two MCP servers named "${source.name}"`);
    }
    names.add(source.name);
  }
  return Object.freeze([...(sources as ToolSource[])]);
}

/**
 * The names a source declares before it is asked (an `include` list) against the agent's own
 * tools and the other sources': a clash known now is refused now, not at the first listing.
 */
function checkDeclaredNames(
  name: string,
  tools: readonly { name: string }[],
  sources: readonly ToolSource[],
): void {
  const owner = new Map<string, string>(tools.map((tool) => [tool.name, "one of its own tools"]));
  for (const source of sources) {
    for (const tool of source.declaredTools ?? []) {
      const taken = owner.get(tool);
      if (taken) {
        throw new ConfigError(
          `agent "${name}": MCP server "${source.name}" has a tool named "${tool}", as ${taken} ` +
            `does: give mcpServer({ name: "${source.name}" }) a prefix`,
        );
      }
      owner.set(tool, `MCP server "${source.name}"`);
    }
  }
}

/** An agent's own model, checked at definition: a value without `next` would fail every step. */
function ownModel(name: string, model: unknown): Model | undefined {
  if (model === undefined) return undefined;
  if (typeof (model as Partial<Model> | null)?.next !== "function") {
    throw new ConfigError(`agent "${name}": model must have a next(request) method`);
  }
  return model as Model;
}
