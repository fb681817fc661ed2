import { type Agent, fixedTokens } from "./agent.ts";
import { callbackRequest } from "./callback.ts";
import {
  type CompactionData,
  type CompactionSettings,
  compactionEnd,
  elide,
  fitTokens,
  SUMMARY_SHARE,
  SUMMARY_TOOL,
  summaryRequest,
} from "./compaction.ts";
import { contextOf } from "./context.ts";
import { ConfigError, ModelError } from "./errors.ts";
import type { EscalationReason, EventOf, ThreadEvent } from "./events.ts";
import { hashArgs } from "./hash.ts";
import type { Clock, Model, ModelReply, ModelRequest } from "./ports.ts";
import { renderValue } from "./render.ts";
import {
  InvalidMetadataError,
  launchMetadataOf,
  parseRunContext,
  runContextOf,
} from "./run-context.ts";
import { type ChildRequest, requestChild } from "./sub-agents.ts";
import {
  type CallbackWait,
  type DanglingCall,
  deriveAwaitedChild,
  deriveCallbackWait,
  deriveConsecutiveErrors,
  deriveDanglingCall,
  deriveFailure,
  deriveOutput,
  derivePending,
  deriveRetries,
  deriveStatus,
  deriveStepsSinceHumanInput,
  deriveTokensSinceHumanInput,
  type Pending,
  type Status,
  statusWhilePending,
  type Thread,
  type ThreadHead,
} from "./thread.ts";
import { requestTokens } from "./tokens.ts";
import { idempotencyKey, retryDelayMs, type Tool } from "./tool.ts";
import { parseToolArgs } from "./tool-args.ts";
import { compactToolError, ToolError } from "./tool-error.ts";
import { printToolSet, ToolSourceError, toolSetChange } from "./tool-source.ts";
import { attributeUsage } from "./usage.ts";

export interface StepDeps {
  /** The agent, its sources' tools (MCP servers) already listed by the runtime beside its own. */
  agent: Agent;
  model: Model;
  clock: Clock;
  /**
   * Why the agent's tool sources could not be listed for this step (an MCP server that did not
   * answer): the step records it as a compact error, and asks the model nothing.
   */
  toolsUnavailable?: string | undefined;
  /**
   * Whether a later step may list the sources (a server that did not answer) or not (a refused
   * credential, a tool Twelve cannot use): then the step escalates at once, as a model's 401 does.
   */
  toolsRetryable?: boolean | undefined;
  /**
   * 128 random bits (URL-safe text) for a callback tool's token: the runtime's randomness, handed
   * in. A step that calls a callback tool without it is a configuration error.
   */
  callbackSecret?: () => string;
}

/**
 * What the runtime does after a step. A pause carries the call the thread now waits on. A
 * `continue` with `retryAt` owes a retry of a failed call: its step must not run before then. A
 * `wait_callback` from the step that recorded the wait carries the token: once the events are
 * saved, the runtime runs the tool's `start` with it (the thread keeps only its hash).
 */
export type NextAction =
  | { type: "continue"; retryAt?: string }
  | { type: "wait_callback"; wait: CallbackWait; token?: string }
  | { type: "pause"; status: "waiting_for_approval" | "waiting_for_human"; pending: Pending }
  | { type: "await_agent"; request: ChildRequest }
  | { type: "done"; output: string }
  | { type: "fail"; reason: string }
  | { type: "cancelled" };

export interface StepResult {
  /** Events to append, conditional on the thread's version as passed in. */
  events: ThreadEvent[];
  next: NextAction;
}

const ESCALATION_TOOL = "escalation";

/**
 * The reducer (factor 12): from a thread, at most one model call, the events it produced and what
 * to do next. The same thread and the same model answers always give the same events.
 *
 * A step first runs the call the thread owes (the sync call the last step saved, or a call a
 * person approved), then asks the model. A sync call the model chooses is saved and not run: the
 * next step runs it. So a tool never runs before its call is in the thread, and a step that loses
 * its append (to a duplicate delivery, a cancel or an interrupting message) never leaves a tool
 * run that the thread does not name.
 *
 * Call ids are `call_<index>`, the index the call's first event takes in the thread (prefetch
 * calls are `prefetch_<n>`): a retried step computes the same ids, so the idempotency keys tools
 * receive survive crashes and duplicate deliveries.
 *
 * @example
 * const { events, next } = await step(thread, { agent: calculator, model, clock });
 * if (events.length > 0) await store.append(thread, events, headAfter({ events, next }));
 * if (next.type === "continue") await queue.enqueue(thread.id, thread.events.length + events.length);
 */
export async function step(thread: Thread, deps: StepDeps): Promise<StepResult> {
  const idle = idleAction(thread);
  if (idle) return { events: [], next: idle };
  return new Step(thread, deps).run();
}

/**
 * Runs the call `thread` owes (a call a person approved, or a sync call the last step saved), or
 * the agent's prefetch when the thread holds no call yet, and nothing else: no model call, no
 * retry later (a failure is the call's error). Their events, or none when the thread owes no
 * call that runs (a model's call of a tool that needs approval is asked for, never run). For a thread cancelled after the step that runs the
 * call started: that step may have run the tool and died before it saved the result, so the
 * runtime runs it again under the same idempotency key and records its outcome after the cancel.
 *
 * @example
 * const owed = await runOwedCall(beforeCancel, { agent, model, clock });
 * if (owed.length > 0) await store.append(thread, owed, deriveHead([...thread.events, ...owed]));
 */
export async function runOwedCall(thread: Thread, deps: StepDeps): Promise<ThreadEvent[]> {
  return new Step(thread, deps).runOwedOnly();
}

/**
 * The head of the thread once a step's `events` (at least one) are appended: the status follows
 * from the next action, so nothing is derived again from the whole thread.
 *
 * @example
 * const result = await step(thread, deps);
 * if (result.events.length > 0) await store.append(thread, result.events, headAfter(result));
 */
export function headAfter({ events, next }: StepResult): ThreadHead {
  const last = events.at(-1);
  if (!last) throw new TypeError("a step without events leaves the head as it was");
  return {
    status: next.type === "pause" ? next.status : statusAfter[next.type],
    updatedAt: last.at,
  };
}

const statusAfter = {
  continue: "running",
  await_agent: "waiting_for_agent",
  wait_callback: "waiting_for_callback",
  done: "done",
  fail: "failed",
  cancelled: "cancelled",
} as const satisfies Record<Exclude<NextAction["type"], "pause">, Status>;

/** The next action of a thread that has nothing to do (paused, done or failed), else null. */
function idleAction(thread: Thread): NextAction | null {
  const status = deriveStatus(thread.events);
  switch (status) {
    case "running":
      return null;
    case "done":
      return { type: "done", output: deriveOutput(thread.events) ?? "" };
    case "failed":
      return { type: "fail", reason: deriveFailure(thread.events) ?? "failed" };
    case "cancelled":
      return { type: "cancelled" };
    case "waiting_for_approval":
    case "waiting_for_human":
      return { type: "pause", status, pending: derivePending(thread.events) as Pending };
    case "waiting_for_agent":
      return { type: "await_agent", request: deriveAwaitedChild(thread.events) as ChildRequest };
    case "waiting_for_callback":
      return { type: "wait_callback", wait: deriveCallbackWait(thread.events) as CallbackWait };
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}

class Step {
  private readonly out: ThreadEvent[] = [];
  private unusable = false;
  /** The last request rendered, and for how many of this step's events. */
  private rendered:
    | { length: number; last: ThreadEvent | undefined; request: ModelRequest }
    | undefined;
  private readonly thread: Thread;
  private readonly deps: StepDeps;
  /** The thread's run context (its launch metadata, parsed by the agent's schema). */
  private runContext: Record<string, unknown> = {};
  /** When the owed call, which failed retryably in this step, runs again. */
  private retryAt: string | undefined;
  /** The owed call found its tool's source gone (a `ToolSourceError`): it stays owed. */
  private sourceDown: ToolSourceError | undefined;

  constructor(thread: Thread, deps: StepDeps) {
    this.thread = thread;
    this.deps = deps;
  }

  async run(): Promise<StepResult> {
    const { agent } = this.deps;
    try {
      this.runContext = runContextOf(agent, this.thread);
    } catch (cause) {
      // Launches are checked against the schema: this thread predates a stricter one. No tool,
      // prompt or prefetch can be given what it declares, and no model answer changes that.
      if (!(cause instanceof InvalidMetadataError)) throw cause;
      const reason = `the thread's run context no longer passes the agent's schema: ${cause.message}`;
      this.push("failed", { reason });
      return this.result({ type: "fail", reason });
    }
    if (this.deps.toolsUnavailable !== undefined) {
      return this.withoutSources(this.deps.toolsUnavailable, this.deps.toolsRetryable !== false);
    }
    const dangling = deriveDanglingCall(this.thread.events);
    const { retryAt } = deriveRetries(this.thread.events);
    if (dangling && retryAt && this.deps.clock.now().getTime() < Date.parse(retryAt)) {
      // Too early for the retry: the runtime steps again once it is due.
      return this.result({ type: "continue", retryAt });
    }
    const owed = dangling ? await this.runDangling(dangling) : null;
    if (owed) return owed;
    if (this.sourceDown) return this.afterOutage(this.sourceDown.retryable);
    // The owed call failed for a moment and runs again: the model hears of it only at the end.
    if (this.retryAt) return this.result({ type: "continue", retryAt: this.retryAt });
    await this.prefetch();
    if (this.errorCount() >= agent.maxConsecutiveErrors) return this.escalate("too_many_errors");
    if (deriveStepsSinceHumanInput(this.events()) >= agent.maxSteps) {
      return this.escalate("max_steps");
    }
    const { maxTokens } = agent;
    if (maxTokens !== undefined && deriveTokensSinceHumanInput(this.events()) >= maxTokens) {
      return this.escalate("max_tokens");
    }
    // A summary by the model is a model call: it takes this step, the agent's call the next.
    if ((await this.compactIfOverBudget()) === "summarized") return this.continue();

    if (agent.mcp.length > 0) this.recordToolSet();
    const reply = await this.callModel();
    if (this.unusable) return this.escalate("model_unusable");
    if (!reply) return this.afterError();
    if (reply.type === "invalid") {
      this.error("model_reply", reply.reason, {}, reply.usage);
      return this.afterError();
    }
    return this.dispatch(reply);
  }

  /** The owed call's run alone, or the prefetch of a thread with no call (see `runOwedCall`). */
  async runOwedOnly(): Promise<ThreadEvent[]> {
    try {
      this.runContext = runContextOf(this.deps.agent, this.thread);
    } catch (cause) {
      // Its step could not have run it either: it failed the thread instead.
      if (!(cause instanceof InvalidMetadataError)) throw cause;
      return [];
    }
    const dangling = deriveDanglingCall(this.thread.events);
    if (!dangling) {
      await this.prefetch();
      return this.out;
    }
    const tool = this.deps.agent.tool(dangling.tool);
    if (!tool || (dangling.source === "model" && tool.kind !== "sync")) return [];
    await this.parseAndRun(tool, dangling.args, dangling.callId);
    return this.out;
  }

  /** The agent's prefetch calls, run in the first step (before the thread holds any call). */
  private async prefetch(): Promise<void> {
    if (this.thread.events.some((event) => event.type === "tool_call")) return;
    for (const [index, call] of this.deps.agent.prefetch.entries()) {
      // A fixed id, not the thread position: a first step that loses its append to a message
      // runs its prefetch again with the same idempotency keys.
      const callId = `prefetch_${index}`;
      const args = this.prefetchArgs(call);
      this.push("tool_call", {
        callId,
        tool: call.tool.name,
        args: "failed" in args ? {} : args.args,
        source: "prefetch",
      });
      if ("failed" in args) this.toolFailed(call.tool, callId, args.failed);
      else await this.parseAndRun(call.tool, args.args, callId);
    }
  }

  /** The control flow (factor 8): one explicit switch over tool kinds. */
  private async dispatch(reply: Extract<ModelReply, { type: "tool_call" }>): Promise<StepResult> {
    const { agent } = this.deps;
    const callId = this.nextCallId();
    const usage = reply.usage ? { usage: reply.usage } : {};
    this.push("tool_call", {
      callId,
      tool: reply.tool,
      args: reply.args,
      source: "model",
      ...usage,
    });
    const tool = agent.tool(reply.tool);
    if (!tool) {
      const known = agent.tools.map((t) => t.name).join(", ");
      this.error("unknown_tool", `unknown tool ${reply.tool}; available: ${known}`, {
        callId,
        tool: reply.tool,
      });
      return this.afterError();
    }
    const parsed = parseToolArgs(tool, reply.args);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; ");
      this.error("invalid_args", `invalid arguments: ${problems}`, { callId, tool: tool.name });
      return this.afterError();
    }
    return this.act(tool, callId, parsed.data);
  }

  /** What a valid call of `tool` does: the switch over tool kinds. */
  private act(tool: Tool, callId: string, args: unknown): StepResult {
    switch (tool.kind) {
      case "sync":
        // Saved before it runs: the next step runs it (see `deriveDanglingCall`).
        return this.continue();
      case "approval":
        return this.requestApproval({ callId, tool: tool.name, args, argsHash: hashArgs(args) });
      case "human":
        return this.requestHumanInput({
          callId,
          tool: tool.name,
          args,
          message: messageOf(args),
          reason: "tool",
        });
      case "terminal": {
        const output = messageOf(args);
        this.push("done", { callId, output });
        return this.result({ type: "done", output });
      }
      case "agent": {
        // Recorded here; the runtime launches the child and waits for its end (sub-agents.ts).
        const child = requestChild(this.thread, this.deps.agent, tool, callId, args);
        if ("refused" in child) {
          this.error(child.refused.code, child.refused.message, { callId, tool: tool.name });
          return this.afterError();
        }
        this.push("child_requested", child.request);
        return this.result({ type: "await_agent", request: child.request });
      }
      case "callback":
        return this.requestCallback(tool, callId, args);
      default: {
        const unknown: never = tool;
        throw new TypeError(`unknown tool kind in ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Runs the call the last step saved (a sync call the model chose) or a person approved. A
   * model's call runs only while its tool is sync: one whose tool needs approval (a fork taken
   * between a call and its request, or a tool redefined since) is asked for, never run unasked.
   * Returns the pause or end such a call leads to, else null.
   */
  private async runDangling(call: DanglingCall): Promise<StepResult | null> {
    const tool = this.deps.agent.tool(call.tool);
    if (!tool) {
      this.error("unknown_tool", `unknown tool ${call.tool}`, call);
    } else if (call.source === "model" && tool.kind !== "sync") {
      const parsed = parseToolArgs(tool, call.args);
      if (parsed.success) return this.act(tool, call.callId, parsed.data);
      this.error("invalid_args", `invalid arguments for ${tool.name}: call it again`, call);
    } else {
      await this.parseAndRun(tool, call.args, call.callId, { retry: true });
    }
    return null;
  }

  /**
   * Records the wait of a callback tool's call (the token's hash and its expiry) and pauses. The
   * token itself goes to the runtime in the next action, which hands it to `start` once the wait
   * is saved: no answer can come before the wait exists. The token is `<threadId>.<secret>`, so
   * a completion finds its thread without an index.
   */
  private requestCallback(
    tool: Extract<Tool, { kind: "callback" }>,
    callId: string,
    args: unknown,
  ): StepResult {
    const { event, wait, token } = callbackRequest(this.thread.id, tool, callId, args, {
      clock: this.deps.clock,
      secret: this.deps.callbackSecret,
    });
    this.out.push(event);
    return this.result({ type: "wait_callback", wait, token });
  }

  /**
   * Compacts the context when the next request would exceed the agent's `contextBudget` (factor
   * 3): a `compaction` event whose summary stands in for the older events. The elided stand-in
   * is written here; with `compaction: "model"` the model writes it (an unusable answer or an
   * unreachable model falls back to elision). Compacting everything always fits the budget.
   */
  private async compactIfOverBudget(): Promise<"none" | "elided" | "summarized"> {
    const { agent } = this.deps;
    const budget = agent.contextBudget;
    if (budget === undefined) return "none";
    const events = this.events();
    const before = requestTokens(this.nextRequest(), agent.countTokens);
    if (before <= budget) return "none";
    const settings: CompactionSettings = {
      resultBudget: agent.resultBudget,
      countTokens: agent.countTokens,
      available: budget - fixedTokens(agent, agent.countTokens, this.runContext),
    };
    const end = compactionEnd(events, settings);
    if (agent.compaction === "model") {
      const summary = await this.modelSummary(events, end, settings);
      if (summary) {
        this.pushCompaction({ ...summary, tokensBefore: before });
        return "summarized";
      }
    }
    const elided = this.pushCompaction({ ...elide(events, end, settings), tokensBefore: before });
    if (elided.data.tokensAfter > budget && end < events.length) {
      this.out.pop();
      this.pushCompaction({ ...elide(events, events.length, settings), tokensBefore: before });
    }
    return "elided";
  }

  /** The model's summary of the first `end` events, or null when it gave no usable one. */
  private async modelSummary(
    events: readonly ThreadEvent[],
    end: number,
    settings: CompactionSettings,
  ): Promise<CompactionData | null> {
    let reply: ModelReply;
    try {
      const { model } = this.deps;
      reply = attributeUsage(
        await model.next(summaryRequest(events, end, settings.resultBudget)),
        model.identity,
      );
    } catch (cause) {
      if (!(cause instanceof ModelError)) throw cause;
      return null;
    }
    const summary =
      reply.type === "tool_call" && reply.tool === SUMMARY_TOOL.name
        ? (reply.args as { summary?: unknown } | null)?.summary
        : undefined;
    if (typeof summary !== "string" || summary.trim() === "") return null;
    const budget = Math.floor(settings.available * SUMMARY_SHARE);
    return {
      from: 1,
      to: end,
      method: "model",
      summary: fitTokens(summary, budget, settings.countTokens),
      tokensBefore: 0,
      ...(reply.usage ? { usage: reply.usage } : {}),
    };
  }

  /** Appends a compaction, with the tokens of the request it leaves. */
  private pushCompaction(data: CompactionData): EventOf<"compaction"> {
    const event = {
      type: "compaction",
      at: this.deps.clock.now().toISOString(),
      data: { ...data, tokensAfter: 0 },
    } satisfies EventOf<"compaction">;
    event.data.tokensAfter = this.requestTokens([...this.events(), event]);
    this.out.push(event);
    return event;
  }

  private requestTokens(events: readonly ThreadEvent[]): number {
    const request = contextOf(this.deps.agent, { ...this.thread, events });
    return requestTokens(request, this.deps.agent.countTokens);
  }

  /** The request for the events so far, rendered once however often it is asked for. */
  private nextRequest(): ModelRequest {
    const length = this.out.length;
    const last = this.out.at(-1);
    if (this.rendered?.length !== length || this.rendered.last !== last) {
      const request = contextOf(this.deps.agent, { ...this.thread, events: this.events() });
      this.rendered = { length, last, request };
    }
    return this.rendered.request;
  }

  private async callModel(): Promise<ModelReply | null> {
    const request = this.nextRequest();
    try {
      const { model } = this.deps;
      return attributeUsage(await model.next(request), model.identity);
    } catch (cause) {
      // Only the adapter's typed failures are the model's fault, and a model left unconfigured
      // (a ConfigError: no key, no secret) is a setup a person fixes; anything else is a bug.
      const unconfigured = cause instanceof ConfigError;
      if (!(cause instanceof ModelError) && !unconfigured) throw cause;
      this.error("model_failed", `model failed: ${cause.message}`, {});
      // A rejected key or request will not heal by itself: a person has to fix the setup.
      if (unconfigured || !cause.retryable) this.unusable = true;
      return null;
    }
  }

  /**
   * A step whose tool sources did not answer: a call owed to one of the agent's own tools still
   * runs; one owed to a tool the sources serve stays owed (the next step that lists them runs it,
   * with the same call id and idempotency key, and no second approval); the outage is the step's
   * error. Each counts towards the three strikes; one that will not heal by itself (a refused
   * credential) escalates at once.
   */
  private async withoutSources(reason: string, retryable: boolean): Promise<StepResult> {
    const dangling = deriveDanglingCall(this.thread.events);
    const ours = dangling && this.deps.agent.tool(dangling.tool) ? dangling : null;
    const owed = ours ? await this.runDangling(ours) : null;
    if (owed) return owed;
    // The owed call's own source failed it too: one outage, one error.
    if (this.sourceDown) return this.afterOutage(this.sourceDown.retryable);
    this.error("tools_unavailable", reason, {});
    return this.afterOutage(retryable);
  }

  /** After a `tools_unavailable` error: the three strikes, or at once when it will not heal. */
  private afterOutage(retryable: boolean): StepResult {
    if (!retryable) return this.escalate("tools_unusable");
    return this.afterError();
  }

  /**
   * Pins the tool set the model is about to be shown (tools from sources can change under a
   * running thread): a `tool_set` event when it is the first, or differs from the last one.
   */
  private recordToolSet(): void {
    const print = printToolSet(this.deps.agent.tools);
    const last = this.events().findLast((event) => event.type === "tool_set");
    if (last?.type === "tool_set" && last.data.fingerprint === print.fingerprint) return;
    const change =
      last?.type === "tool_set"
        ? {
            change: { from: last.data.fingerprint, ...toolSetChange(last.data.tools, print.tools) },
          }
        : {};
    this.push("tool_set", { ...print, ...change });
  }

  /** A prefetch call's arguments: as declared, or computed from the run context. */
  private prefetchArgs(
    call: Agent["prefetch"][number],
  ): { args: Record<string, unknown> } | { failed: unknown } {
    if (typeof call.args !== "function") return { args: call.args };
    try {
      return { args: call.args({ runContext: this.runContext }) };
    } catch (failed) {
      return { failed };
    }
  }

  /**
   * Runs a call whose arguments were not parsed in this step (an approved call, a prefetch): a
   * schema they no longer pass counts as the tool failing.
   */
  private async parseAndRun(
    tool: Tool,
    rawArgs: unknown,
    callId: string,
    options: { retry?: boolean } = {},
  ): Promise<boolean> {
    const parsed = parseToolArgs(tool, rawArgs);
    if (parsed.success) return this.runTool(tool, parsed.data, callId, options);
    this.toolFailed(tool, callId, parsed.error);
    // Stryker disable next-line BooleanLiteral: no caller reads what parseAndRun returns
    return false;
  }

  /**
   * Runs a tool on arguments its input schema has parsed (`args` is that parse's output);
   * appends its result or a compact error. True on success.
   */
  private async runTool(
    tool: Tool,
    args: Record<string, unknown>,
    callId: string,
    options: { retry?: boolean } = {},
  ): Promise<boolean> {
    try {
      const { agent } = this.deps;
      const context = {
        threadId: this.thread.id,
        callId,
        idempotencyKey: idempotencyKey(this.thread.id, callId),
        // A tool shared by agents reads its own fields: its schema parses the launch metadata.
        runContext:
          tool.runContext && tool.runContext !== agent.runContext
            ? parseRunContext(agent.name, tool.runContext, launchMetadataOf(this.thread))
            : this.runContext,
      };
      const result = await tool.run?.(args, context);
      this.push("tool_result", { callId, tool: tool.name, result: result ?? null });
      // Stryker disable next-line BooleanLiteral: after a tool_result the error count is 0, so afterError() continues too
      return true;
    } catch (cause) {
      if (options.retry && cause instanceof ToolSourceError) this.outage(cause);
      else if (!(options.retry && this.retryLater(tool, callId, cause))) {
        this.toolFailed(tool, callId, cause);
      }
      return false;
    }
  }

  /**
   * The owed call found its tool's source gone (an MCP server that did not answer the call, while
   * its listing was still cached): not the tool failing, so the call stays owed, as when its
   * source could not be listed. The error names no call (see `deriveDanglingCall`); the next
   * step runs the call again with the same call id and idempotency key, with no second approval.
   * Every call the model makes or a person approves is run as an owed call (saved by one step,
   * run by the next), its first try too. A prefetch call (one of the agent's own tools, run by
   * the step that saves it) fails as any tool does: the model reads it and may call again.
   */
  private outage(cause: ToolSourceError): void {
    const { detail } = compactToolError(cause);
    this.error("tools_unavailable", cause.message, { detail });
    this.sourceDown = cause;
  }

  /**
   * A `tool_retry` instead of an error when the tool's `retry` policy covers this failure (a
   * `ToolError` marked retryable) and has attempts left. True when it did.
   */
  private retryLater(tool: Tool, callId: string, cause: unknown): boolean {
    const policy = tool.kind === "sync" || tool.kind === "approval" ? tool.retry : undefined;
    if (!policy || !(cause instanceof ToolError) || !cause.retryable) return false;
    const attempt = deriveRetries(this.thread.events).attempts + 1;
    if (attempt >= policy.attempts) return false;
    const { model, detail } = compactToolError(cause);
    const now = this.deps.clock.now().getTime();
    const retryAt = new Date(now + retryDelayMs(policy, attempt)).toISOString();
    this.push("tool_retry", {
      callId,
      tool: tool.name,
      attempt,
      message: `${tool.name} failed: ${model}`,
      detail,
      retryAt,
    });
    this.retryAt = retryAt;
    return true;
  }

  /**
   * The model sees a compact error (a `ToolError`'s message, or the error's name and a short
   * message without hosts or stack); the full text stays in the event's `detail`, never rendered.
   */
  private toolFailed(tool: Tool, callId: string, cause: unknown): void {
    const { model, detail } = compactToolError(cause);
    this.error("tool_failed", `${tool.name} failed: ${model}`, { callId, tool: tool.name, detail });
  }

  private afterError(): StepResult {
    if (this.errorCount() >= this.deps.agent.maxConsecutiveErrors) {
      return this.escalate("too_many_errors");
    }
    return this.continue();
  }

  /** Pulls a human in (factor 7): the thread waits for a `human_response` to this call. */
  private escalate(reason: Exclude<EscalationReason, "tool">): StepResult {
    const { agent } = this.deps;
    const lastError = this.events().findLast((event) => event.type === "error");
    const lastMessage = lastError?.type === "error" ? lastError.data.message : "unknown";
    const messages: Record<typeof reason, string> = {
      too_many_errors:
        `Escalated after ${this.errorCount()} consecutive errors; the last: ${lastMessage}. ` +
        "Reply with guidance and the agent continues.",
      max_steps:
        `Escalated after ${agent.maxSteps} model steps without human input. ` +
        "Reply and the agent continues.",
      model_unusable:
        `Escalated because the model rejected the request (${lastMessage}). ` +
        "Fix the model configuration, then reply and the agent continues.",
      max_tokens:
        `Escalated after ${agent.maxTokens} model tokens without human input. ` +
        "Reply and the agent continues.",
      tools_unusable:
        `Escalated because the agent's tools could not be listed (${lastMessage}). ` +
        "Fix the MCP server's configuration, then reply and the agent continues.",
    };
    return this.requestHumanInput({
      callId: this.nextCallId(),
      tool: ESCALATION_TOOL,
      args: { reason },
      message: messages[reason],
      reason,
    });
  }

  /** Pauses for a person's decision on a call (factor 7): the pause carries what it waits on. */
  private requestApproval(data: EventOf<"approval_requested">["data"]): StepResult {
    this.push("approval_requested", data);
    const { callId, tool, args, argsHash } = data;
    return this.pause({ callId, kind: "approval", tool, args, argsHash });
  }

  /** Pauses for a person's answer: a human-kind tool or an escalation. */
  private requestHumanInput(data: EventOf<"human_input_requested">["data"]): StepResult {
    this.push("human_input_requested", data);
    const { callId, tool, args, message, reason } = data;
    return this.pause(
      reason === "tool"
        ? { callId, kind: "human_input", tool, args, message }
        : { callId, kind: "escalation", tool, args, message, reason },
    );
  }

  private error(
    code: Extract<ThreadEvent, { type: "error" }>["data"]["code"],
    message: string,
    about: { callId?: string; tool?: string; detail?: string },
    usage?: Extract<ThreadEvent, { type: "error" }>["data"]["usage"],
  ): void {
    const { callId, tool, detail } = about;
    this.push("error", {
      code,
      message,
      ...(callId ? { callId } : {}),
      ...(tool ? { tool } : {}),
      ...(detail ? { detail } : {}),
      ...(usage ? { usage } : {}),
    });
  }

  private push<T extends ThreadEvent["type"]>(
    type: T,
    data: Extract<ThreadEvent, { type: T }>["data"],
  ): void {
    this.out.push({ type, at: this.deps.clock.now().toISOString(), data } as ThreadEvent);
  }

  private events(): ThreadEvent[] {
    return [...this.thread.events, ...this.out];
  }

  private errorCount(): number {
    return deriveConsecutiveErrors(this.events());
  }

  private nextCallId(): string {
    return `call_${this.thread.events.length + this.out.length}`;
  }

  private continue(): StepResult {
    return this.result({ type: "continue" });
  }

  private pause(pending: Pending): StepResult {
    return this.result({ type: "pause", status: statusWhilePending[pending.kind], pending });
  }

  private result(next: NextAction): StepResult {
    return { events: this.out, next };
  }
}

/** The human-facing text of a call: its `message` argument, or all its arguments. */
function messageOf(args: unknown): string {
  // Stryker disable next-line OptionalChaining: args is the output of a z.object parse, never null
  const message = (args as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : renderValue(args);
}
