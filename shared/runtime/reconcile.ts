import { deriveRetries, deriveStatus, versionOf } from "../core/thread.ts";
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
