import type { Actor } from "../core/events.ts";
import { type HumanReply, repeatsAnswer, respond } from "../core/lifecycle.ts";
import { type Status, versionOf } from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * Records a human's answer to the call a thread waits on and enqueues the next step. Two answers
 * racing for one call: both append conditionally, one wins; the loser reloads, finds the call
 * answered, and gets `NotPendingError` (a 409 at the edge) — unless it is the very same answer
 * (a client retrying after a timeout), which succeeds again without a second event.
 */
export async function respondToThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">,
  threadId: string,
  reply: HumanReply,
  by?: Actor,
): Promise<{ threadId: string; status: Status }> {
  const { saved, head } = await appendEvent(deps, threadId, (thread) =>
    repeatsAnswer(thread, reply) ? null : respond(thread, reply, deps.clock, by),
  );
  // A repeat finds the thread running when the first request died between its append and its
  // enqueue: send the step it owed (a duplicate step message is recognised and dropped).
  if (head.status === "running") {
    await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  }
  return { threadId, status: head.status };
}
