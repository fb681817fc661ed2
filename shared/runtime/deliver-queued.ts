import { ThreadNotFoundError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import { queuedMessage } from "../core/message.ts";
import type { QueuedMessage } from "../core/ports.ts";
import { deriveStatus, type Thread, versionOf } from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/** What the worker did with a queued message. */
export type DeliveryOutcome =
  | "delivered" // added to the thread (now, or by an earlier delivery of the same message)
  | "dropped" // the thread is failed or cancelled: it takes nothing more
  | "not_found"; // no such thread (deleted)

/**
 * Adds a message that waited in the step queue behind the thread's step in flight
 * (`ifRunning: "enqueue"`), then enqueues the step a running thread owes. A redelivery finds the
 * message already in the thread (the same `at` and text, after the version it was queued at)
 * and only owes the step, so a crash between the append and the enqueue adds nothing twice.
 *
 * @example
 * await deliverQueued(deps, { threadId, version: 4, queued: { message: "also staging", at } });
 */
export async function deliverQueued(
  deps: Pick<RuntimeDeps, "store" | "queue">,
  message: { threadId: string; version: number; queued: QueuedMessage },
): Promise<DeliveryOutcome> {
  const { threadId, queued } = message;
  let outcome = "dropped" as DeliveryOutcome;
  let saved: Thread;
  try {
    ({ saved } = await appendEvent(deps, threadId, (thread) => {
      if (holds(thread, message.version, queued)) {
        outcome = "delivered";
        return null;
      }
      const event = queuedMessage(thread, queued);
      outcome = event ? "delivered" : "dropped";
      return event;
    }));
  } catch (error) {
    if (error instanceof ThreadNotFoundError) return "not_found";
    throw error;
  }
  if (outcome === "delivered" && deriveStatus(saved.events) === "running") {
    await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  }
  return outcome;
}

/** Whether an event after `version` is this queued message, added by an earlier delivery. */
function holds(thread: Thread, version: number, queued: QueuedMessage): boolean {
  return thread.events.slice(version).some((event: ThreadEvent) => {
    if (event.at !== queued.at) return false;
    if (event.type === "user_message") return event.data.message === queued.message;
    return event.type === "human_response" && event.data.response === queued.message;
  });
}
