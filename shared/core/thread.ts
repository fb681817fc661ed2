import type { Actor, EscalationReason, EventOf, ParentLink, ThreadEvent, Usage } from "./events.ts";

/** An agent run: an append-only list of events. Its version is the number of events. */
export interface Thread {
  readonly id: string;
  readonly agent: string;
  readonly events: readonly ThreadEvent[];
  /** A fork's origin: the thread and the version its events were copied from, and who forked. */
  readonly forkedFrom?: {
    readonly threadId: string;
    readonly version: number;
    readonly by?: Actor;
  };
  /**
   * Messages sent while a step was in flight (`ifRunning: "enqueue"`), oldest first, kept beside
   * the events until the next append delivers them (`withQueued`). Omitted when none wait.
   */
  readonly queued?: readonly WaitingMessage[];
}

/** A person's message that waits in the store for the step in flight to be saved. */
export interface WaitingMessage {
  readonly message: string;
  /** When it was sent: the `at` of the event it becomes. */
  readonly at: string;
  readonly by?: Actor;
  /**
   * `false`: sent by a key that may not decide, so it never becomes the answer to a question
   * (the question stays pending; the message is kept as a `user_message`). Left out: it may.
   */
  readonly mayAnswer?: false;
}

export const statuses = [
  "running",
  "waiting_for_approval",
  "waiting_for_human",
  "waiting_for_agent",
  "waiting_for_callback",
  "done",
  "failed",
  "cancelled",
] as const;
export type Status = (typeof statuses)[number];

/**
 * What a person is asked: a decision on a call (`approval`), the answer to the agent's question
 * (`human_input`, a human-kind tool), or an operator's guidance for a run the runtime stopped
 * (`escalation`: too many errors, a step or token cap, an unusable model).
 */
export const pendingKinds = ["approval", "human_input", "escalation"] as const;
export type PendingKind = (typeof pendingKinds)[number];

/** The status a thread has while it waits on each kind of call. */
export const statusWhilePending = {
  approval: "waiting_for_approval",
  human_input: "waiting_for_human",
  escalation: "waiting_for_human",
} as const satisfies Record<PendingKind, Status>;

/**
 * How a person answers each kind of call: a decision on it (approve or reject, `approved`), or
 * a response in words (`response`). A new kind must say which here, or nothing compiles.
 */
export const answerKindOf = {
  approval: "decision",
  human_input: "response",
  escalation: "response",
} as const satisfies Record<PendingKind, "decision" | "response">;
export type AnswerKind = (typeof answerKindOf)[PendingKind];

/** What a paused thread waits for; `null` when it waits for nothing. */
export interface Pending {
  callId: string;
  kind: PendingKind;
  tool: string;
  args: unknown;
  message?: string;
  /** Only for approvals: the hash an approver's decision may quote to bind itself to these args. */
  argsHash?: string;
  /** Only for escalations: why the runtime stopped. */
  reason?: Exclude<EscalationReason, "tool">;
}

/** The thread's version: the number of events it holds. Appends are conditional on it. */
export const versionOf = (thread: Thread): number => thread.events.length;

/** The call the thread is waiting on, if any: the last request that has no answer yet. */
export function derivePending(events: readonly ThreadEvent[]): Pending | null {
  const answered = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    switch (event.type) {
      case "approval_decision":
      case "human_response":
        answered.add(event.data.callId);
        break;
      case "approval_requested": {
        const { callId, tool, args, argsHash } = event.data;
        return answered.has(callId) ? null : { callId, kind: "approval", tool, args, argsHash };
      }
      case "human_input_requested": {
        const { callId, tool, args, message, reason } = event.data;
        if (answered.has(callId)) return null;
        // Any reason but a human tool's is the runtime escalating (old threads read the same).
        return reason === "tool"
          ? { callId, kind: "human_input", tool, args, message }
          : { callId, kind: "escalation", tool, args, message, reason };
      }
      case "done":
      case "failed":
      case "retry_requested":
      case "cancelled":
        return null;
      default:
        break;
    }
  }
  return null;
}

/** The thread's status, derived from its events alone (factor 5). */
export function deriveStatus(events: readonly ThreadEvent[]): Status {
  // Cancelled is final: nothing after it (a retry included) opens the thread again.
  if (events.some((e) => e.type === "cancelled")) return "cancelled";
  // A user message after the end opens the next turn of the conversation.
  const last = findLast(
    events,
    (e) =>
      e.type === "done" ||
      e.type === "failed" ||
      e.type === "retry_requested" ||
      e.type === "user_message",
  );
  if (last?.type === "done") return "done";
  if (last?.type === "failed") return "failed";
  const pending = derivePending(events);
  if (pending) return statusWhilePending[pending.kind];
  if (deriveAwaitedChild(events)) return "waiting_for_agent";
  return deriveCallbackWait(events) ? "waiting_for_callback" : "running";
}

/** The call of a callback tool the thread waits on (what the outside world is asked). */
export interface CallbackWait {
  callId: string;
  tool: string;
  args: unknown;
  /** sha256 of the token `start` was handed: a completion must bring the token itself. */
  tokenHash: string;
  /** When the wait ends: the reconciler's sweep then closes it as expired. */
  expiresAt: string;
  /** When the wait began. */
  at: string;
}

/**
 * The callback the thread waits on, or null: the last `callback_requested` that neither a result
 * nor an error of its call (a failed start, an expiry) has answered, on a thread that has not
 * ended since. A person's message after it leaves it waiting.
 */
export function deriveCallbackWait(events: readonly ThreadEvent[]): CallbackWait | null {
  const answered = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    switch (event.type) {
      case "tool_result":
        answered.add(event.data.callId);
        break;
      case "error":
        if (event.data.callId) answered.add(event.data.callId);
        break;
      case "callback_requested": {
        if (answered.has(event.data.callId)) return null;
        const { callId, tool, args, tokenHash, expiresAt } = event.data;
        return { callId, tool, args, tokenHash, expiresAt, at: event.at };
      }
      case "user_message":
      case "compaction":
      case "callback_started":
        break;
      default:
        // Anything else after the request (another call, an end) means it was answered.
        return null;
    }
  }
  return null;
}

/**
 * The agent call whose child thread has not ended yet (no `tool_result` or error for the call),
 * or null: while there is one the thread waits (`waiting_for_agent`) and runs no step.
 */
export function deriveAwaitedChild(
  events: readonly ThreadEvent[],
): EventOf<"child_requested">["data"] | null {
  const answered = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    switch (event.type) {
      case "tool_result":
      case "error":
        if (event.data.callId) answered.add(event.data.callId);
        break;
      case "child_requested":
        return answered.has(event.data.callId) ? null : event.data;
      case "done":
        return null;
      default:
        break;
    }
  }
  return null;
}

/**
 * The id of the child thread a thread's call launches: derived, so a redelivered step creates
 * the same child (the store refuses a second), and a fork (another id) launches its own.
 *
 * @example
 * childThreadId("thr_1", "call_3"); // "thr_1-call_3"
 */
export const childThreadId = (threadId: string, callId: string): string => `${threadId}-${callId}`;

/** Where a child thread sits in its tree (its first event says), or null for a root. */
export function parentOf(events: readonly ThreadEvent[]): ParentLink | null {
  const first = events[0];
  return first?.type === "user_message" ? (first.data.parent ?? null) : null;
}

/** The thread's depth in its tree: 0 for a root, its parent's + 1 for a child. */
export const depthOf = (events: readonly ThreadEvent[]): number => parentOf(events)?.depth ?? 0;

/** The root of the thread's tree: itself, unless it is a child. */
export const rootOf = (thread: Pick<Thread, "id" | "events">): string =>
  parentOf(thread.events)?.rootThreadId ?? thread.id;

/**
 * What a store keeps beside a thread's events so that it can list the thread without reading
 * them. The core derives it (`deriveHead`, or `headAfter` for a reducer step) and hands it to
 * every `create` and `append`: a store derives nothing itself (factor 5).
 */
export interface ThreadHead {
  status: Status;
  /** The `at` of the thread's last event. */
  updatedAt: string;
}

/**
 * The head of a thread holding `events` (at least one).
 *
 * @example
 * await store.append(thread, [event], deriveHead([...thread.events, event]));
 */
export function deriveHead(events: readonly ThreadEvent[]): ThreadHead {
  const last = events.at(-1);
  if (!last) throw new TypeError("a thread without events has no head");
  return { status: deriveStatus(events), updatedAt: last.at };
}

/** The terminal tool's message, or `null` while the thread is not done. */
export function deriveOutput(events: readonly ThreadEvent[]): string | null {
  const last = events.at(-1);
  return last?.type === "done" ? last.data.output : null;
}

/** Why the thread failed, or `null`. */
export function deriveFailure(events: readonly ThreadEvent[]): string | null {
  const last = events.at(-1);
  return last?.type === "failed" ? last.data.reason : null;
}

/** Events that count as a success: they reset the consecutive-error count. */
const resetsErrors = (e: ThreadEvent): boolean => e.type === "tool_result" || isHumanInput(e);

/** Errors since the last success or human input (factor 9). */
export function deriveConsecutiveErrors(events: readonly ThreadEvent[]): number {
  let count = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (resetsErrors(event)) break;
    if (event.type === "error") count++;
  }
  return count;
}

/** Human input (an operator's retry too) resets the step budget of a launch (factor 10). */
export const isHumanInput = (e: ThreadEvent): boolean =>
  e.type === "user_message" ||
  e.type === "human_response" ||
  e.type === "approval_decision" ||
  e.type === "retry_requested";

/**
 * Model calls since the last human input. Every model call leaves exactly one marker: the model's
 * tool call, or an error about its reply (`model_reply`) or about reaching it (`model_failed`).
 */
export function deriveStepsSinceHumanInput(events: readonly ThreadEvent[]): number {
  let count = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (isHumanInput(event)) break;
    if (isModelCall(event)) count++;
  }
  return count;
}

/** The model's token counts an event records: a model call's tool call or error, a model summary. */
export function usageOf(event: ThreadEvent): Usage | undefined {
  if (event.type === "tool_call" || event.type === "error" || event.type === "compaction") {
    return event.data.usage;
  }
  return undefined;
}

const tokensOf = (usage: Usage): { input: number; output: number } => ({
  input: usage.inputTokens,
  output: usage.outputTokens,
});

/** Model tokens (in and out) used since the last human input: what `maxTokens` caps. */
export function deriveTokensSinceHumanInput(events: readonly ThreadEvent[]): number {
  let tokens = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (isHumanInput(event)) break;
    const usage = usageOf(event);
    if (usage) tokens += tokensOf(usage).input + tokensOf(usage).output;
  }
  return tokens;
}

/** The thread's model usage, summed over all its events. */
export interface ThreadUsage {
  inputTokens: number;
  outputTokens: number;
  /** Model calls that reported usage. */
  modelCalls: number;
}

/** Token usage summed over the whole thread (every turn, compaction summaries included). */
export function deriveUsage(events: readonly ThreadEvent[]): ThreadUsage {
  const total: ThreadUsage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  for (const event of events) {
    const usage = usageOf(event);
    if (!usage) continue;
    const { input, output } = tokensOf(usage);
    total.inputTokens += input;
    total.outputTokens += output;
    total.modelCalls++;
  }
  return total;
}

const isModelCall = (e: ThreadEvent): boolean =>
  (e.type === "tool_call" && e.data.source === "model") ||
  (e.type === "error" && (e.data.code === "model_reply" || e.data.code === "model_failed"));

/** A call whose tool the next step owes a run: what `deriveDanglingCall` returns. */
export interface DanglingCall {
  callId: string;
  tool: string;
  /** The arguments as saved: the model's (parsed again before the run) or the approved ones. */
  args: unknown;
  /** `model`: a sync call the model chose; `approved`: a call a person approved. */
  source: "model" | "approved";
}

/**
 * The call whose tool has not run yet, or null. A call is saved before its tool runs (so a tool
 * that ran is never forgotten, whatever happens to the step that ran it), and the step after
 * runs it: a sync call is the thread's last event but for messages sent since (an interrupt, a
 * queued message), an approved call is an approving decision in the same place. A call whose
 * tool's source (an MCP server) could not be listed stays owed too: the `tools_unavailable`
 * errors since, an escalation they led to and the person's reply to it are passed over.
 */
export function deriveDanglingCall(events: readonly ThreadEvent[]): DanglingCall | null {
  const escalations = escalationsOf(events);
  // A call whose run failed and is retried (`tool_retry`) is still owed.
  const last = findLast(events, (e) => !leavesCallOwed(e, escalations));
  if (last?.type === "tool_call") {
    const { callId, tool, args } = last.data;
    return { callId, tool, args, source: "model" };
  }
  if (last?.type !== "approval_decision" || !last.data.approved) return null;
  const request = findLast(
    events,
    (e): e is EventOf<"approval_requested"> =>
      e.type === "approval_requested" && e.data.callId === last.data.callId,
  );
  if (!request) return null;
  const { callId, tool, args } = request.data;
  return { callId, tool, args, source: "approved" };
}

/** Whether `events` hold the outcome (a result or a failure) of call `callId`. */
export const hasOutcomeOf = (events: readonly ThreadEvent[], callId: string): boolean =>
  events.some(
    (event) =>
      (event.type === "tool_result" || event.type === "error") && event.data.callId === callId,
  );

/** The call ids of the thread's escalations (a person asked because of the runtime, not a tool). */
function escalationsOf(events: readonly ThreadEvent[]): ReadonlySet<string> {
  return new Set(
    events.flatMap((e) =>
      e.type === "human_input_requested" && e.data.reason !== "tool" ? [e.data.callId] : [],
    ),
  );
}

/** Whether `e`, after a saved call, leaves it owed (see `deriveDanglingCall`). */
function leavesCallOwed(e: ThreadEvent, escalations: ReadonlySet<string>): boolean {
  switch (e.type) {
    case "user_message":
    case "tool_retry":
      return true;
    case "error":
      return e.data.code === "tools_unavailable" && e.data.callId === undefined;
    case "human_input_requested":
    case "human_response":
      return escalations.has(e.data.callId);
    default:
      return false;
  }
}

/**
 * The failed runs of the call the thread owes (its `tool_retry` events since the call, or since
 * its approval), and when the next may start: what a tool's `retry` policy counts. Zero and
 * `null` when the owed call has not failed. What leaves the call owed is passed over as
 * `deriveDanglingCall` passes it over (messages, an outage of a tool source, its escalation and
 * the reply): an outage neither resets the attempts nor makes a retry due early.
 */
export function deriveRetries(events: readonly ThreadEvent[]): {
  attempts: number;
  retryAt: string | null;
} {
  const escalations = escalationsOf(events);
  let attempts = 0;
  let retryAt: string | null = null;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (!leavesCallOwed(event, escalations)) break;
    if (event.type !== "tool_retry") continue;
    attempts++;
    retryAt ??= event.data.retryAt;
  }
  return { attempts, retryAt };
}

/** A snapshot of everything derived, as the API shows it. */
export function summarize(thread: Thread) {
  return {
    threadId: thread.id,
    agent: thread.agent,
    status: deriveStatus(thread.events),
    version: versionOf(thread),
    pending: derivePending(thread.events),
    callback: callbackShown(thread.events),
    output: deriveOutput(thread.events),
    consecutiveErrors: deriveConsecutiveErrors(thread.events),
    stepsSinceHumanInput: deriveStepsSinceHumanInput(thread.events),
    usage: deriveUsage(thread.events),
  };
}

/** The callback a thread waits on as the API shows it: no token hash. */
export function callbackShown(
  events: readonly ThreadEvent[],
): Omit<CallbackWait, "tokenHash"> | null {
  const wait = deriveCallbackWait(events);
  if (!wait) return null;
  const { tokenHash: _hash, ...shown } = wait;
  return shown;
}

function findLast<T extends ThreadEvent>(
  events: readonly ThreadEvent[],
  predicate: ((e: ThreadEvent) => e is T) | ((e: ThreadEvent) => boolean),
): T | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (predicate(event)) return event as T;
  }
  return undefined;
}
