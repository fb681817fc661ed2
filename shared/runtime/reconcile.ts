import {
  deriveDanglingCall,
  deriveRetries,
  deriveStatus,
  hasOutcomeOf,
  type Thread,
  versionOf,
} from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";

/**
 * Finds threads that are `running` but have not moved for `staleAfterMs` and enqueues the step
 * they owe. A step message can be lost (a crash between the write and the enqueue, a queue
 * purged, an emulator restarted); re-sending is harmless because the queue deduplicates by
 * `threadId:version` and the worker drops a step whose version the thread has passed.
 */
export async function reconcile(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">,
  options: { staleAfterMs: number },
): Promise<{ checked: number; enqueued: number }> {
  const cutoff = deps.clock.now().getTime() - options.staleAfterMs;
  let checked = 0;
  let enqueued = 0;
  for await (const summary of threadsIn(deps.store, "running")) {
    checked++;
    if (Date.parse(summary.updatedAt) > cutoff) continue;
    const thread = await deps.store.load(summary.threadId);
    // The listing is eventually consistent: trust only the thread itself.
    if (!thread || deriveStatus(thread.events) !== "running") continue;
    // A failed call's retry that is not due yet: its step would only wait (see processStep).
    const { retryAt } = deriveRetries(thread.events);
    if (retryAt && Date.parse(retryAt) > deps.clock.now().getTime()) continue;
    await deps.queue.enqueue({ threadId: thread.id, version: versionOf(thread) });
    enqueued++;
  }
  return { checked, enqueued };
}

/**
 * Finds cancelled threads whose cancel came while a call was owed (an approved call, a saved
 * call the model chose) and whose outcome is not in the thread, and enqueues the step message of
 * that call again (its version: the cancel's index), so the worker runs it under its idempotency
 * key and records it after `cancelled`. For a start-up after the step queue's messages were lost
 * (the local stack keeps them in memory): in AWS the queue keeps them, and a dead-lettered one is
 * redriven. It reads every cancelled thread: run it once, at start.
 *
 * @example
 * const { enqueued } = await resumeCancelledCalls(deps);
 */
export async function resumeCancelledCalls(
  deps: Pick<RuntimeDeps, "store" | "queue">,
): Promise<{ checked: number; enqueued: number }> {
  let checked = 0;
  let enqueued = 0;
  for await (const summary of threadsIn(deps.store, "cancelled")) {
    checked++;
    const thread = await deps.store.load(summary.threadId);
    if (!thread || deriveStatus(thread.events) !== "cancelled") continue;
    const version = owedAtCancel(thread);
    if (version === undefined) continue;
    await deps.queue.enqueue({ threadId: thread.id, version });
    enqueued++;
  }
  return { checked, enqueued };
}

/** The version of the step message that ran the call owed when `thread` was cancelled, if its outcome is missing. */
function owedAtCancel(thread: Thread): number | undefined {
  const cancelledAt = thread.events.findLastIndex((event) => event.type === "cancelled");
  const owed = deriveDanglingCall(thread.events.slice(0, cancelledAt));
  if (!owed || hasOutcomeOf(thread.events, owed.callId)) return undefined;
  return cancelledAt;
}
