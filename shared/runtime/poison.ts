import { VersionConflictError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import type { StepMessage } from "../core/ports.ts";
import { deriveStatus, versionOf } from "../core/thread.ts";
import { appendDelivering } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";
import { deliverToParent } from "./sub-agents.ts";

/**
 * A step that failed on its last allowed delivery: record `failed` with the reason on the thread
 * (so `GET /threads/{id}` says why) before the queue moves the message to the dead-letter queue.
 * Only a thread still at the message's version and still running is marked.
 */
export async function failPoisonedStep(
  deps: Pick<RuntimeDeps, "store" | "clock" | "agents" | "queue" | "random">,
  message: StepMessage,
  reason: string,
): Promise<boolean> {
  const thread = await deps.store.load(message.threadId);
  if (!thread || versionOf(thread) !== message.version) return false;
  if (deriveStatus(thread.events) !== "running") return false;
  const failed: ThreadEvent = {
    type: "failed",
    at: deps.clock.now().toISOString(),
    data: { reason: reason.slice(0, 1000) },
  };
  try {
    // A message waiting beside the thread is kept in the record, just before `failed`.
    const saved = await appendDelivering(deps, thread, [failed]);
    // A child that fails hands that to its parent, which goes on (a redelivery hands it once).
    await deliverToParent(deps, saved);
    return true;
  } catch (error) {
    if (error instanceof VersionConflictError) return false;
    throw error;
  }
}

/**
 * The operator's retry of a failed thread (after fixing what poisoned it): append
 * `retry_requested`, which makes it `running` again, and enqueue its step.
 */
export async function retryFailedThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">,
  threadId: string,
  reason: string,
): Promise<"retried" | "not_failed" | "not_found"> {
  const thread = await deps.store.load(threadId);
  if (!thread) return "not_found";
  if (deriveStatus(thread.events) !== "failed") return "not_failed";
  const retry: ThreadEvent = {
    type: "retry_requested",
    at: deps.clock.now().toISOString(),
    data: { reason },
  };
  const saved = await appendDelivering(deps, thread, [retry]);
  await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  return "retried";
}
