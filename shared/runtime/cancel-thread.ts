import { cancel } from "../core/cancel.ts";
import type { Actor } from "../core/events.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * Cancels a thread. The append is conditional like every other: it wins against the step in
 * flight (whose append then conflicts and is dropped) or decides again on the thread that step
 * saved, so nothing is ever appended after the cancellation.
 */
export async function cancelThread(
  deps: Pick<RuntimeDeps, "store" | "clock">,
  threadId: string,
  input: { reason?: string; by?: Actor } = {},
): Promise<{ threadId: string; status: "cancelled" }> {
  await appendEvent(deps, threadId, (thread) => cancel(thread, input, deps.clock));
  return { threadId, status: "cancelled" };
}
