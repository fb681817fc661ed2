import type { Agent } from "../../shared/core/agent.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { TwelveError } from "../../shared/core/errors.ts";
import type { Model, Notifier, StepQueue, ThreadStore } from "../../shared/core/ports.ts";
import { defineTool, type Tool, type ToolContext } from "../../shared/core/tool.ts";

/**
 * Where an invocation can die in the step pipeline. A Lambda can stop at any line; these are the
 * lines between the effects that matter: after the model answered, after a tool ran (its side
 * effect done, nothing saved), after the append, after the next step was enqueued, after the
 * waiting notice went out, and after all the work but before the message was deleted.
 */
export const crashPoints = [
  "after_model",
  "after_tool",
  "after_append",
  "after_enqueue",
  "after_notify",
  "before_ack",
] as const;
export type CrashPoint = (typeof crashPoints)[number];

/** The invocation dies here: nothing after this line runs, its message is not deleted. */
export class InjectedCrash extends TwelveError {
  readonly point: CrashPoint;
  constructor(point: CrashPoint, where: string) {
    super(`injected crash ${point} (${where})`);
    this.name = "InjectedCrash";
    this.point = point;
  }
}

/** What a fault plan knows about the invocation that reached a crash point. */
export interface CrashSite {
  actor: "launch" | "worker" | "human" | "reconciler";
  threadId?: string;
  /** The step message's version (workers). */
  version?: number;
  /** Deliveries of the message so far, this one included (workers). */
  receiveCount?: number;
  /** Attempt of a client's retried request (launch, human), from 1. */
  attempt?: number;
  /** A tool ran in this invocation, so a crash `after_tool` is possible. */
  toolRan: boolean;
}

/** Decides, at each crash point an invocation reaches, whether it dies there. */
export interface FaultPlan {
  shouldCrash(point: CrashPoint, site: CrashSite): boolean;
}

/** A crash that happened, for reports and for replaying a failure. */
export interface FiredCrash {
  /** The opportunity's index: replaying a schedule with the same indices repeats the crash. */
  index: number;
  point: CrashPoint;
  site: string;
}

/**
 * Crashes at chosen opportunities: every time an invocation reaches one of `points` (and
 * `spare` does not exempt it) counts as one opportunity, and the ones whose index is in `at`
 * crash. A property-based test draws `at`; shrinking it removes crashes until the smallest
 * schedule that still breaks an invariant is left.
 */
export class CrashSchedule implements FaultPlan {
  readonly fired: FiredCrash[] = [];
  opportunities = 0;
  private readonly points: ReadonlySet<CrashPoint>;
  private readonly at: ReadonlySet<number>;
  private readonly spare: (site: CrashSite) => boolean;

  constructor(options: {
    points: readonly CrashPoint[];
    at: Iterable<number>;
    /** Sites that never crash (e.g. a message's last allowed delivery). */
    spare?: (site: CrashSite) => boolean;
  }) {
    this.points = new Set(options.points);
    this.at = new Set(options.at);
    this.spare = options.spare ?? (() => false);
  }

  shouldCrash(point: CrashPoint, site: CrashSite): boolean {
    if (!this.points.has(point) || this.spare(site)) return false;
    if (point === "after_tool" && !site.toolRan) return false;
    const index = this.opportunities++;
    if (!this.at.has(index)) return false;
    this.fired.push({ index, point, site: describeSite(site) });
    return true;
  }
}

export const describeSite = (site: CrashSite): string =>
  [
    site.actor,
    site.threadId,
    site.version !== undefined ? `v${site.version}` : undefined,
    site.receiveCount !== undefined ? `receive ${site.receiveCount}` : undefined,
    site.attempt !== undefined ? `attempt ${site.attempt}` : undefined,
  ]
    .filter(Boolean)
    .join(" ");

/**
 * What the fault-injecting port wrappers ask of a simulation: a yield point before each call
 * (so concurrent invocations interleave), the crash decision, and a note that a tool ran.
 */
export interface FaultHooks {
  beforeCall(): Promise<void>;
  /** Throws `InjectedCrash` when the current invocation dies at `point`. */
  crashPoint(point: CrashPoint): void;
  toolRan(): void;
}

/**
 * The store with a yield before every call and crash points around the append: `after_tool`
 * just before it (the tool's effect is done, nothing is saved) and `after_append` just after.
 */
export function faultyStore(inner: ThreadStore, hooks: FaultHooks): ThreadStore {
  return {
    create: async (input) => {
      await hooks.beforeCall();
      return inner.create(input);
    },
    load: async (threadId) => {
      await hooks.beforeCall();
      return inner.load(threadId);
    },
    append: async (read, events, head) => {
      await hooks.beforeCall();
      hooks.crashPoint("after_tool");
      const saved = await inner.append(read, events, head);
      hooks.crashPoint("after_append");
      return saved;
    },
    queueMessage: async (read, message) => {
      await hooks.beforeCall();
      return inner.queueMessage(read, message);
    },
    list: async (query) => {
      await hooks.beforeCall();
      return inner.list(query);
    },
    readEvents: async (threadId, query) => {
      await hooks.beforeCall();
      return inner.readEvents(threadId, query);
    },
    delete: async (threadId) => {
      await hooks.beforeCall();
      return inner.delete(threadId);
    },
  };
}

/** The queue with a yield before each enqueue and a crash point after it. */
export function faultyQueue(inner: StepQueue, hooks: FaultHooks): StepQueue {
  return {
    enqueue: async (message) => {
      await hooks.beforeCall();
      await inner.enqueue(message);
      hooks.crashPoint("after_enqueue");
    },
  };
}

/** The notifier with a yield before each notice and a crash point after it. */
export function faultyNotifier(inner: Notifier, hooks: FaultHooks): Notifier {
  return {
    threadWaiting: async (notice) => {
      await hooks.beforeCall();
      await inner.threadWaiting(notice);
      hooks.crashPoint("after_notify");
    },
  };
}

/** The model with a yield before each call and a crash point after its answer. */
export function faultyModel(inner: Model, hooks: FaultHooks): Model {
  return {
    next: async (request) => {
      await hooks.beforeCall();
      const reply = await inner.next(request);
      hooks.crashPoint("after_model");
      return reply;
    },
  };
}

/** One run of a tool, as an instrumented agent reports it. */
export interface ToolRun {
  tool: string;
  args: unknown;
  context: ToolContext;
}

/**
 * The agent with every runnable tool (prefetch included) wrapped: `before` sees each run before
 * the tool's own handler, `after` once it returned. Tool names, schemas and kinds stay the same,
 * so the model and the reducer see the same agent.
 */
export function instrumentAgent(
  agent: Agent,
  observe: {
    before?: (run: ToolRun) => Promise<void> | void;
    after?: (run: ToolRun, result: unknown) => Promise<void> | void;
  },
): Agent {
  const wrapped = new Map<string, Tool>();
  const wrap = (tool: Tool): Tool => {
    const known = wrapped.get(tool.name);
    if (known) return known;
    if (tool.kind !== "sync" && tool.kind !== "approval") return tool;
    const run = tool.run;
    const instrumented = defineTool({
      name: tool.name,
      description: tool.description,
      input: tool.input,
      kind: tool.kind,
      run: async (args: Record<string, unknown>, context: ToolContext) => {
        const call = { tool: tool.name, args, context };
        await observe.before?.(call);
        const result = await run(args, context);
        await observe.after?.(call, result);
        return result;
      },
    }) as Tool;
    wrapped.set(tool.name, instrumented);
    return instrumented;
  };
  return defineAgent({
    name: agent.name,
    prompt: agent.prompt,
    tools: agent.tools.map(wrap),
    maxSteps: agent.maxSteps,
    maxConsecutiveErrors: agent.maxConsecutiveErrors,
    resultBudget: agent.resultBudget,
    prefetch: agent.prefetch.map((call) => ({ tool: wrap(call.tool), args: call.args })),
    schedules: agent.schedules,
    onRunning: agent.onRunning,
  });
}
