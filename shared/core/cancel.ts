import { ThreadClosedError } from "./errors.ts";
import type { Actor, ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { deriveStatus, type Thread } from "./thread.ts";

/**
 * The event that stops a thread for good (factor 6), or `null` when it is cancelled already (a
 * second cancel changes nothing). The pending call, if any, closes with it; a step in flight
 * loses its append to it, so nothing follows. A done or failed thread throws `ThreadClosedError`.
 *
 * @example
 * const event = cancel(thread, { reason: "the customer withdrew" }, clock);
 * if (event) await store.append(thread, [event], deriveHead([...thread.events, event]));
 */
export function cancel(
  thread: Thread,
  input: { reason?: string; by?: Actor },
  clock: Clock,
): ThreadEvent | null {
  const status = deriveStatus(thread.events);
  if (status === "cancelled") return null;
  if (status === "done" || status === "failed") {
    throw new ThreadClosedError(
      thread.id,
      status,
      `thread ${thread.id} is ${status}: nothing to cancel`,
    );
  }
  const at = clock.now().toISOString();
  return {
    type: "cancelled",
    at,
    ...(input.by ? { by: input.by } : {}),
    data: input.reason ? { reason: input.reason } : {},
  };
}
