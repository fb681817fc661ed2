import { cancel } from "../core/cancel.ts";
import type { Actor } from "../core/events.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";
import { cancelDescendants, deliverToParent } from "./sub-agents.ts";

/**
 * Cancels a thread. The append is conditional like every other: it wins against the step in
 * flight (whose append then conflicts and is dropped) or decides again on the thread that step
 * saved, so nothing is ever appended after the cancellation. Every child thread it launched that
 * runs or waits is cancelled too, down the tree (a cancel repeated finishes a cascade cut
 * short), and a child cancelled on its own hands that to its parent as the call's outcome.
 */
export async function cancelThread(
  deps: Pick<RuntimeDeps, "store" | "clock" | "agents" | "queue" | "random">,
  threadId: string,
  input: { reason?: string; by?: Actor } = {},
): Promise<{ threadId: string; status: "cancelled" }> {
  const { saved } = await appendEvent(deps, threadId, (thread) =>
    cancel(thread, input, deps.clock),
  );
  await cancelDescendants(
    deps,
    saved,
    async (childId, childInput) => {
      await cancelThread(deps, childId, childInput);
    },
    input.by,
  );
  await deliverToParent(deps, saved);
  return { threadId, status: "cancelled" };
}
