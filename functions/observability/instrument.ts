import { AsyncLocalStorage } from "node:async_hooks";
import type { Agent } from "../../shared/core/agent.ts";
import type { EscalationReason, ThreadEvent } from "../../shared/core/events.ts";
import type { Model, ModelReply, StepMessage, ThreadStore } from "../../shared/core/ports.ts";
import type { TreeKeys } from "../../shared/core/sub-agents.ts";
import type { Tool } from "../../shared/core/tool.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import type { StepOutcome } from "../../shared/runtime/process-step.ts";

/** One model call of a step, as the decorated `Model` saw it. */
export interface ModelCallFacts {
  /** The model asked for: the adapter's `model` (OpenAIModel's), when it names one. */
  requestModel?: string;
  /** The model that answered, as the reply's usage names it. */
  responseModel?: string;
  inputTokens: number;
  outputTokens: number;
  /** Wall time of `next`, answered or thrown. */
  ms: number;
  /** The tool the model chose; none when it threw or gave an unusable reply. */
  tool?: string;
}

/** One tool run of a step, as the decorated tool saw it. */
export interface ToolRunFacts {
  name: string;
  ms: number;
  ok: boolean;
}

/**
 * What one step message's work did, gathered by the decorated ports while it ran (the core
 * knows nothing of it): the thread's agent from the store's `load`, model calls and tool runs
 * from the decorated `Model` and tools, what it wrote from the store's `append`.
 */
export interface StepFacts {
  threadId: string;
  /** The version the message asked to step. */
  version: number;
  agent?: string;
  /** Where the thread sits in its tree (its root; its parent, for a child), once it was read. */
  tree?: TreeKeys;
  /** What `processStep` returned, or `error` when it threw (the message comes back). */
  outcome?: StepOutcome | "error";
  error?: unknown;
  durationMs: number;
  modelCalls: ModelCallFacts[];
  toolRuns: ToolRunFacts[];
  /** `error` events the step wrote (a tool that failed, a reply the reducer could not use). */
  errorEvents: number;
  /** Escalations the runtime made (`human_input_requested` for another reason than a tool). */
  escalations: EscalationReason[];
  /** The step marked its thread `failed`. */
  failed: boolean;
}

/** Attributes of a span: OpenTelemetry GenAI names where one exists (`gen_ai.*`). */
export type SpanAttributes = Record<string, string | number | boolean>;

/** A span the instrumentation writes to while it is open. */
export interface Span {
  /** Attributes kept with the span (X-Ray metadata). */
  set(attributes: SpanAttributes): void;
  /** Attributes kept and indexed for search (X-Ray annotations, dots as underscores). */
  index(attributes: SpanAttributes): void;
  /** Marks the span failed (the X-Ray fault flag and the error's cause). */
  fail(error: unknown): void;
}

/** Opens a span around `run` as a child of the current one, and closes it when `run` settles. */
export type Spans = <T>(name: string, run: (span: Span) => Promise<T>) => Promise<T>;

/** No spans: `run` with a span that records nothing. */
export const noSpans: Spans = (_name, run) => run(noSpan);
const noSpan: Span = { set: () => {}, index: () => {}, fail: () => {} };

const current = new AsyncLocalStorage<StepFacts>();

/**
 * Runs one step message's work with fresh facts in scope, so the decorated ports (see
 * `instrumentDeps`) record into them; returns them once `run` settles. `run`'s error is kept in
 * the facts, not thrown: the caller decides (the worker rethrows it for SQS to redeliver).
 * `tree` is where the thread sits in its tree as the worker noted it while `run` read the thread
 * (its `treeScope`, the one place the keys are taken), kept in the facts once filled.
 */
export async function gatherStep(
  message: StepMessage,
  run: () => Promise<StepOutcome>,
  tree?: Partial<TreeKeys>,
): Promise<StepFacts> {
  const facts: StepFacts = {
    threadId: message.threadId,
    version: message.version,
    durationMs: 0,
    modelCalls: [],
    toolRuns: [],
    errorEvents: 0,
    escalations: [],
    failed: false,
  };
  const started = performance.now();
  try {
    facts.outcome = await current.run(facts, run);
  } catch (error) {
    facts.outcome = "error";
    facts.error = error;
  }
  facts.durationMs = performance.now() - started;
  if (tree?.rootThreadId) {
    const { rootThreadId, parentThreadId, parentTraceId } = tree;
    facts.tree = {
      rootThreadId,
      ...(parentThreadId ? { parentThreadId } : {}),
      ...(parentTraceId ? { parentTraceId } : {}),
    };
  }
  return facts;
}

/**
 * The runtime's ports decorated for observation: every model call and tool run is a child span
 * (`spans`) and lands in the current step's facts, and the store notes the thread's agent and
 * what the step wrote. The pure core is untouched: it calls the ports it is handed.
 *
 * @example
 * const deps = instrumentDeps(runtimeDeps, tracerSpans(tracer));
 * const facts = await gatherStep(message, () => processStep(deps, message));
 */
export function instrumentDeps(deps: RuntimeDeps, spans: Spans): RuntimeDeps {
  return {
    ...deps,
    model: deps.model && instrumentModel(deps.model, spans),
    environmentModel: deps.environmentModel && instrumentModel(deps.environmentModel, spans),
    agents: new Map([...deps.agents].map(([name, agent]) => [name, instrumentAgent(agent, spans)])),
    store: observeStore(deps.store),
  };
}

/** The model's name, when the adapter names it (`identity.model`, or `OpenAIModel.model`). */
const modelName = (model: Model): string | undefined => {
  const name = model.identity?.model ?? (model as { model?: unknown }).model;
  return typeof name === "string" && name !== "" ? name : undefined;
};

function instrumentModel(model: Model, spans: Spans): Model {
  const requestModel = modelName(model);
  return {
    // Kept, so the step records which provider answered (`usage.provider`).
    ...(model.identity ? { identity: model.identity } : {}),
    next: (request) =>
      spans(requestModel ? `chat ${requestModel}` : "chat", async (span) => {
        const started = performance.now();
        let reply: ModelReply | undefined;
        try {
          reply = await model.next(request);
          return reply;
        } catch (error) {
          span.fail(error);
          throw error;
        } finally {
          const call: ModelCallFacts = {
            ...(requestModel ? { requestModel } : {}),
            ...(reply?.usage?.model ? { responseModel: reply.usage.model } : {}),
            inputTokens: reply?.usage?.inputTokens ?? 0,
            outputTokens: reply?.usage?.outputTokens ?? 0,
            ms: performance.now() - started,
            ...(reply?.type === "tool_call" ? { tool: reply.tool } : {}),
          };
          current.getStore()?.modelCalls.push(call);
          span.set({
            "gen_ai.operation.name": "chat",
            ...(model.identity ? { "gen_ai.system": model.identity.provider } : {}),
            ...(call.requestModel ? { "gen_ai.request.model": call.requestModel } : {}),
            ...(call.responseModel ? { "gen_ai.response.model": call.responseModel } : {}),
            "gen_ai.usage.input_tokens": call.inputTokens,
            "gen_ai.usage.output_tokens": call.outputTokens,
            ...(reply ? { "twelve.reply.type": reply.type } : {}),
            ...(call.tool ? { "twelve.reply.tool": call.tool } : {}),
          });
        }
      }),
  };
}

/** The agent with every tool that runs (sync, approval) decorated, its prefetch's too. */
function instrumentAgent(agent: Agent, spans: Spans): Agent {
  const wrapped = new Map<Tool, Tool>();
  const wrap = (tool: Tool): Tool => {
    let decorated = wrapped.get(tool);
    if (!decorated) {
      decorated = instrumentTool(tool, spans);
      wrapped.set(tool, decorated);
    }
    return decorated;
  };
  return Object.freeze({
    ...agent,
    model: agent.model && instrumentModel(agent.model, spans),
    tools: agent.tools.map(wrap),
    prefetch: agent.prefetch.map((call) => ({ ...call, tool: wrap(call.tool) })),
    // Tools from MCP servers: decorated as listed (a new listing, new tools: nothing kept).
    mcp: agent.mcp.map((source) => ({
      name: source.name,
      tools: async () => (await source.tools()).map((tool) => instrumentTool(tool, spans)),
    })),
    tool: (name: string) => {
      const tool = agent.tool(name);
      return tool && wrap(tool);
    },
  });
}

function instrumentTool(tool: Tool, spans: Spans): Tool {
  const { run } = tool;
  if (run === undefined) return tool;
  return Object.freeze({
    ...tool,
    run: (args: Record<string, unknown>, context: Parameters<typeof run>[1]) =>
      spans(`execute_tool ${tool.name}`, async (span) => {
        span.set({
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": tool.name,
          "gen_ai.tool.call.id": context.callId,
        });
        const started = performance.now();
        let ok = false;
        try {
          // As the core calls it: a run() written as a method keeps its `this`.
          const result = await run.call(tool, args as never, context);
          ok = true;
          return result;
        } catch (error) {
          span.fail(error);
          throw error;
        } finally {
          current.getStore()?.toolRuns.push({
            name: tool.name,
            ms: performance.now() - started,
            ok,
          });
        }
      }),
  }) as Tool;
}

/**
 * The store, noting the agent of the thread a step loads and what the step appends.
 */
function observeStore(store: ThreadStore): ThreadStore {
  return {
    create: (input) => store.create(input),
    load: async (threadId) => {
      const thread = await store.load(threadId);
      const facts = current.getStore();
      if (facts && thread && facts.agent === undefined) facts.agent = thread.agent;
      return thread;
    },
    append: async (read, events, head) => {
      const saved = await store.append(read, events, head);
      const facts = current.getStore();
      if (facts) noteWritten(facts, events);
      return saved;
    },
    queueMessage: (read, message) => store.queueMessage(read, message),
    list: (query) => store.list(query),
    readEvents: (threadId, query) => store.readEvents(threadId, query),
    delete: (threadId) => store.delete(threadId),
  };
}

function noteWritten(facts: StepFacts, events: readonly ThreadEvent[]): void {
  for (const event of events) {
    if (event.type === "error") facts.errorEvents++;
    if (event.type === "failed") facts.failed = true;
    if (event.type === "human_input_requested" && event.data.reason !== "tool") {
      facts.escalations.push(event.data.reason);
    }
  }
}

/** The tool the step is about: the one the model called last, else the last one it ran. */
export const stepTool = (facts: StepFacts): string | undefined =>
  facts.modelCalls.findLast((call) => call.tool)?.tool ?? facts.toolRuns.at(-1)?.name;

/** The step's model tokens, summed over its model calls. */
export const stepTokens = (facts: StepFacts): { input: number; output: number } => ({
  input: facts.modelCalls.reduce((sum, call) => sum + call.inputTokens, 0),
  output: facts.modelCalls.reduce((sum, call) => sum + call.outputTokens, 0),
});

/** A step that went wrong: it threw, wrote an `error` event, or failed its thread. */
export const isErrorStep = (facts: StepFacts): boolean =>
  facts.outcome === "error" || facts.errorEvents > 0 || facts.failed;
