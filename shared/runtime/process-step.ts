import { callbackToStart } from "../core/callback.ts";
import { VersionConflictError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import type { NoticeRoot, StepMessage } from "../core/ports.ts";
import { headAfter, runOwedCall, step } from "../core/step.ts";
import {
  deriveCallbackWait,
  deriveDanglingCall,
  deriveHead,
  derivePending,
  deriveRetries,
  deriveStatus,
  hasOutcomeOf,
  type Pending,
  parentOf,
  statusWhilePending,
  type Thread,
  type ThreadHead,
  versionOf,
} from "../core/thread.ts";
import { ToolSourceError } from "../core/tool-source.ts";
import { appendDelivering } from "./append-event.ts";
import { announceCallback, restartCallback, startCallback } from "./callbacks.ts";
import { type DeliveryOutcome, deliverQueued } from "./deliver-queued.ts";
import type { RuntimeDeps } from "./deps.ts";
import { pickModel } from "./model-rule.ts";
import { agentForStep } from "./resolve-tools.ts";
import { deliverToParent, launchChild } from "./sub-agents.ts";

/** What the worker did with a step message; logged, and asserted by the tests. */
export type StepOutcome =
  | "stepped" // one reducer step applied and saved
  | "stepped_delivered" // a step saved with the messages that waited beside the thread (queued)
  | "resent" // stale message for a running thread: the step it owes was enqueued again
  | "stale" // stale message for a paused or finished thread: dropped
  | "reannounced" // stale message of the step that paused the thread: its notice sent again
  | "restarted" // stale message of a callback wait whose start never ran: a new token, start again
  | "ahead" // a version the thread never reached: dropped
  | "lost_race" // another delivery saved this step first: dropped
  | "lost_race_kept" // another write won (a message that interrupted it): what its tools ran was kept
  | "settled" // a cancelled thread's owed call, which this message's step ran, recorded after the cancel
  | "idle" // the thread has nothing to do (paused, done, failed)
  | "not_found" // no such thread: dropped
  | "retry_later" // the owed call's retry is not due for a while: the reconciler sends it then
  | Exclude<DeliveryOutcome, "not_found">; // a queued message: see `deliverQueued`

/**
 * One Lambda invocation's work (factor 12): load, step, conditional append, then enqueue the next
 * step or announce the pause.
 *
 * At-least-once delivery is handled by comparing the message's version with the stored one. A
 * message older than the thread means its step was saved already; if the thread is still
 * running, the message for the current version may have been lost between the write and the
 * enqueue (a crash), so it is sent again: the queue deduplicates it when it was not lost.
 * Likewise, if the thread is paused by this message's step, the notice may have been lost
 * between the write and the publish, so it is published again (notices are at-least-once).
 */
export async function processStep(deps: RuntimeDeps, message: StepMessage): Promise<StepOutcome> {
  if (message.queued) return deliverQueued(deps, { ...message, queued: message.queued });
  const thread = await deps.store.load(message.threadId);
  if (!thread) return "not_found";
  const version = versionOf(thread);
  if (message.version > version) return "ahead";
  if (message.version < version) return catchUp(deps, thread, message);
  const agent = deps.agents.get(thread.agent);
  if (!agent) {
    const reason = `agent "${thread.agent}" is not served by this deployment`;
    const events = [failed(deps, reason)];
    const saved = await appendOrLose(
      deps,
      thread,
      events,
      deriveHead([...thread.events, ...events]),
    );
    if (saved) await ended(deps, saved);
    return "stepped";
  }
  const wait = retryWaitMs(deps, thread);
  if (wait > INLINE_RETRY_WAIT_MS) return "retry_later";
  if (wait > 0) await (deps.sleep ?? sleep)(wait);
  const { model } = pickModel(agent, { module: deps.model, environment: deps.environmentModel });
  const forStep = await agentForStep(agent, thread);
  const { events, next } = await step(thread, {
    ...forStep,
    model,
    clock: deps.clock,
    ...(deps.ids.callbackSecret ? { callbackSecret: deps.ids.callbackSecret } : {}),
  });
  if (events.length === 0) return "idle";
  const saved = await appendOrLose(deps, thread, events, headAfter({ events, next }));
  if (!saved) {
    // The delivery that won may have died before enqueueing or announcing what follows, and
    // this message is about to be deleted: owe what a late duplicate owes.
    // What it ran is kept, unless the winner ran it too (a duplicate delivery).
    const loaded = await deps.store.load(thread.id);
    const winner = loaded && (await keepWhatRan(deps, thread, events, loaded));
    // The winner is alive: a wait it saved gets its start from it, not a second one from here.
    if (winner && versionOf(winner) > version) {
      await catchUp(deps, winner, message, { restartCallback: false, settleOwedCall: false });
    }
    return winner && loaded && versionOf(winner) > versionOf(loaded)
      ? "lost_race_kept"
      : "lost_race";
  }
  // The wait is saved: only now may the outside work start (and answer). A message delivered
  // with the step leaves the thread waiting on the same call.
  if (next.type === "wait_callback" && next.token) {
    if (deriveCallbackWait(saved.events)?.callId === next.wait.callId) {
      await startCallback(deps, saved, next.wait, next.token);
    }
  }
  if (versionOf(saved) > version + events.length) {
    await followUp(deps, saved);
    return "stepped_delivered";
  }
  switch (next.type) {
    case "continue":
      await deps.queue.enqueue({ threadId: thread.id, version: versionOf(saved) });
      break;
    case "pause":
      await announce(deps, thread, next.pending);
      break;
    case "await_agent":
      await launchChild(deps, saved);
      break;
    case "wait_callback": // its start ran above
      break;
    case "done":
    case "fail":
      await ended(deps, saved);
      break;
    case "cancelled":
      break;
    default: {
      const unknown: never = next;
      throw new TypeError(`unknown next action ${JSON.stringify(unknown)}`);
    }
  }
  return "stepped";
}

/**
 * For a message older than the thread: re-send the step a running thread owes, re-announce the
 * pause this message's step made, or issue again the callback wait whose `start` it never ran.
 * The queue deduplicates a step that was not lost; a notice may go out twice, which is why
 * notices are at-least-once.
 */
async function catchUp(
  deps: RuntimeDeps,
  thread: Thread,
  message: StepMessage,
  options: { restartCallback: boolean; settleOwedCall: boolean } = {
    restartCallback: true,
    settleOwedCall: true,
  },
): Promise<StepOutcome> {
  const status = deriveStatus(thread.events);
  if (status === "running") {
    await deps.queue.enqueue({ threadId: thread.id, version: versionOf(thread) });
    return "resent";
  }
  if (status === "waiting_for_agent") {
    // The child may not have been launched, or its first step not enqueued, before a crash.
    await launchChild(deps, thread);
    return "resent";
  }
  if (status === "done" || status === "failed") {
    // A child's end may not have reached its parent before a crash (appended once, whoever hands it).
    await deliverToParent(deps, thread);
    // This message's step ended the thread: the notice may have been lost after the write.
    if (!deps.notifier.threadEnded || versionOf(thread) - 1 < message.version) return "stale";
    await announceEnd(deps, thread);
    return "reannounced";
  }
  if (status === "waiting_for_callback") {
    // The step that saved the wait died before its `start` was recorded: this is its message,
    // delivered again. Issue the wait again (a new token: the old one may exist nowhere).
    const owed = callbackToStart(thread);
    if (
      options.restartCallback &&
      owed &&
      (await restartCallback(deps, thread.id, owed.tokenHash))
    ) {
      return "restarted";
    }
    // A wait whose `start` is still owed is not announced: the notice follows its start (the
    // delivery that saved it runs it; one that won a race is alive and does).
    if (owed) return "stale";
    // Or after it, before the wait's notice went out.
    const wait = deriveCallbackWait(thread.events);
    if (!wait || requestIndex(thread, wait.callId) < message.version) return "stale";
    await announceCallback(deps, thread);
    return "reannounced";
  }
  // A delivery that lost its append kept what it ran already (`keepWhatRan`).
  if (status === "cancelled") {
    return options.settleOwedCall ? settleOwedCall(deps, thread, message) : "stale";
  }
  const pending = derivePending(thread.events);
  if (!pending || requestIndex(thread, pending.callId) < message.version) return "stale";
  await announce(deps, thread, pending);
  return "reannounced";
}

/**
 * A cancel that came while this message's step ran the call the thread owed (an approved call, a
 * saved sync call, the first step's prefetch): the step may have run the tool and died before it
 * saved the result, and this is its message delivered again. The call runs again under its
 * idempotency key (a second run returns what the first did) and its outcome goes after
 * `cancelled`, as for a step that lost its append to the cancel: a cancelled thread never hides
 * a side effect. No delivery can tell that an earlier one never ran the call (a duplicate
 * invocation shares its receive count and receipt), so a call owed when the cancel came runs
 * once either way. Nothing when this message's step owed no call, or the call's outcome is in
 * the thread already.
 */
async function settleOwedCall(
  deps: RuntimeDeps,
  thread: Thread,
  message: StepMessage,
): Promise<StepOutcome> {
  const cancelledAt = thread.events.findLastIndex((event) => event.type === "cancelled");
  if (message.version > cancelledAt) return "stale";
  const before = { ...thread, events: thread.events.slice(0, cancelledAt) };
  const owed = deriveDanglingCall(before.events);
  if (owed) {
    if (hasOutcome(thread, owed.callId)) return "stale";
    // Only the step this message ran owed it (a message older than the call ran something else).
    if (deriveDanglingCall(thread.events.slice(0, message.version))?.callId !== owed.callId) {
      return "stale";
    }
  } else if (thread.events.some((event) => event.type === "tool_call")) {
    return "stale"; // no call owed, and the first step's prefetch (if any) is recorded
  }
  const agent = deps.agents.get(thread.agent);
  if (!agent) return "stale";
  const { model } = pickModel(agent, { module: deps.model, environment: deps.environmentModel });
  const forStep = await agentForStep(agent, before);
  // The call's tool is an MCP server's that cannot be listed now: not "nothing to do". Thrown as
  // retryable, so the message comes back (and, dead-lettered, is redriven) until it can run.
  if (owed && forStep.toolsUnavailable && !forStep.agent.tool(owed.tool)) {
    throw new ToolSourceError(
      "tools",
      `the call ${owed.callId} (${owed.tool}) owed when ${thread.id} was cancelled waits for its tools: ${forStep.toolsUnavailable}`,
      { retryable: true },
    );
  }
  const events = await runOwedCall(before, { ...forStep, model, clock: deps.clock });
  if (events.length === 0) return "stale";
  const saved = await appendOrLose(deps, thread, events, deriveHead([...thread.events, ...events]));
  return saved ? "settled" : "lost_race";
}

/**
 * After a lost append: the results of the tools this step ran (the call the thread owed, its
 * prefetch) that the winner does not hold, appended after the winner's events. A message that
 * interrupted the step drops its model answer, never a tool's result; a cancel that won keeps
 * its status, and the result goes after it (a `cancelled` thread never hides a side effect that
 * happened). Best effort: if this write loses too, or the invocation dies first, the call is
 * still owed in a running thread and the next step runs it again with the same idempotency key.
 */
async function keepWhatRan(
  deps: RuntimeDeps,
  read: Thread,
  events: readonly ThreadEvent[],
  winner: Thread,
): Promise<Thread> {
  const status = deriveStatus(winner.events);
  if (status !== "running" && status !== "cancelled") return winner;
  const ran = new Set<string>();
  const owed = deriveDanglingCall(read.events);
  if (owed && !hasOutcome(winner, owed.callId)) ran.add(owed.callId);
  if (!winner.events.some((event) => event.type === "tool_call")) {
    for (const event of events) {
      if (event.type === "tool_call" && event.data.source === "prefetch")
        ran.add(event.data.callId);
    }
  }
  const at = deps.clock.now().toISOString();
  const kept = events
    .filter((event) => ran.has(callIdOf(event)))
    .map((event) => ({ ...event, at }) as ThreadEvent);
  if (kept.length === 0) return winner;
  const saved = await appendOrLose(deps, winner, kept, deriveHead([...winner.events, ...kept]));
  return saved ?? winner;
}

const hasOutcome = (thread: Pick<Thread, "events">, callId: string): boolean =>
  hasOutcomeOf(thread.events, callId);

const callIdOf = (event: ThreadEvent): string =>
  "callId" in event.data && typeof event.data.callId === "string" ? event.data.callId : "";

/** What follows a thread's end: the notice, and its end handed to its parent if it is a child. */
async function ended(deps: RuntimeDeps, thread: Thread): Promise<void> {
  await announceEnd(deps, thread);
  await deliverToParent(deps, thread);
}

/** Tells the world the thread ended (its last event is `done` or `failed`). */
async function announceEnd(
  deps: Pick<RuntimeDeps, "notifier" | "threadLink">,
  thread: Thread,
): Promise<void> {
  if (!deps.notifier.threadEnded) return;
  const last = thread.events.at(-1);
  if (last?.type !== "done" && last?.type !== "failed") return;
  const status = last.type === "done" ? "done" : "failed";
  const version = versionOf(thread);
  await deps.notifier.threadEnded({
    id: `${thread.id}:${status}:${version}`,
    threadId: thread.id,
    agent: thread.agent,
    status,
    version,
    ...(last.type === "done" ? { output: last.data.output } : { reason: last.data.reason }),
    link: deps.threadLink(thread.id),
    ...rootOfNotice(deps, thread),
  });
}

/** Tells the world the thread waits for a person, if it does (a fork taken at a pause). */
export async function announceWaiting(
  deps: Pick<RuntimeDeps, "notifier" | "threadLink">,
  thread: Thread,
): Promise<void> {
  const pending = derivePending(thread.events);
  if (pending) await announce(deps, thread, pending);
}

/** Tells the world the thread waits for a person on `pending`. */
async function announce(
  deps: Pick<RuntimeDeps, "notifier" | "threadLink">,
  thread: Thread,
  pending: Pending,
): Promise<void> {
  await deps.notifier.threadWaiting({
    id: `${thread.id}:${pending.callId}`,
    threadId: thread.id,
    agent: thread.agent,
    status: statusWhilePending[pending.kind],
    kind: pending.kind,
    ...(pending.reason ? { reason: pending.reason } : {}),
    callId: pending.callId,
    tool: pending.tool,
    args: pending.args,
    ...(pending.message ? { message: pending.message } : {}),
    link: deps.threadLink(thread.id),
    ...rootOfNotice(deps, thread),
  });
}

/** A child's notice names the root of its tree, where people watch the whole run. */
function rootOfNotice(
  deps: Pick<RuntimeDeps, "threadLink">,
  thread: Thread,
): { root?: NoticeRoot } {
  const parent = parentOf(thread.events);
  if (!parent) return {};
  return { root: { threadId: parent.rootThreadId, link: deps.threadLink(parent.rootThreadId) } };
}

/** Where the last request for `callId` sits in the thread (-1 if absent). */
const requestIndex = (thread: Thread, callId: string): number =>
  thread.events.findLastIndex(
    (e) =>
      (e.type === "approval_requested" ||
        e.type === "human_input_requested" ||
        e.type === "callback_requested") &&
      e.data.callId === callId,
  );

/**
 * Appends `events` with the messages waiting beside the thread (`appendDelivering`), or `null`
 * when another write moved the thread first. A write that lost only to a message queued after
 * the load (the same version, more messages waiting) rebases: the same events again, with that
 * message too, and no second model call.
 */
async function appendOrLose(
  deps: RuntimeDeps,
  thread: Thread,
  events: Thread["events"],
  head: ThreadHead,
): Promise<Thread | null> {
  for (let read = thread; ; ) {
    try {
      return await appendDelivering(deps, read, events, head);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
    const loaded = await deps.store.load(thread.id);
    if (!loaded || versionOf(loaded) !== versionOf(thread)) return null;
    // Only messages are added at one version, never removed: each retry carries at least one more
    // (a thread holds at most MAX_QUEUED_MESSAGES), so this ends.
    if ((loaded.queued?.length ?? 0) <= (read.queued?.length ?? 0)) return null;
    read = loaded;
  }
}

/**
 * What follows a saved step that delivered waiting messages, by where they left the thread: a
 * message may have answered the question the step asked, or reopened the thread it finished.
 */
async function followUp(deps: RuntimeDeps, saved: Thread): Promise<void> {
  const status = deriveStatus(saved.events);
  switch (status) {
    case "running":
      await deps.queue.enqueue({ threadId: saved.id, version: versionOf(saved) });
      return;
    case "waiting_for_human":
    case "waiting_for_approval":
      await announceWaiting(deps, saved);
      return;
    case "waiting_for_agent":
      await launchChild(deps, saved);
      return;
    case "done":
    case "failed":
      await ended(deps, saved);
      return;
    case "cancelled":
    case "waiting_for_callback": // its start ran in the step that saved the wait
      return;
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}

/**
 * The longest wait for a retry (a tool's `retry` backoff) a step sleeps in process: a Lambda is
 * billed while it sleeps, and its timeout bounds it. A retry due later is left to the
 * reconciler, which enqueues a running thread's step once it is due (to its period).
 */
export const INLINE_RETRY_WAIT_MS = 10_000;

/** Milliseconds until the thread's owed retry (if any) is due; 0 when it may run now. */
function retryWaitMs(deps: RuntimeDeps, thread: Thread): number {
  const { retryAt } = deriveRetries(thread.events);
  return retryAt ? Math.max(0, Date.parse(retryAt) - deps.clock.now().getTime()) : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const failed = (deps: RuntimeDeps, reason: string) =>
  ({ type: "failed", at: deps.clock.now().toISOString(), data: { reason } }) as const;
