import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import { type HumanReply, repeatsAnswer, respond } from "../core/lifecycle.ts";
import { deriveHead, deriveStatus, type Status, versionOf } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

const ATTEMPTS = 5;

/**
 * Records a human's answer to the call a thread waits on and enqueues the next step. Two answers
 * racing for one call: both append conditionally, one wins; the loser reloads, finds the call
 * answered, and gets `NotPendingError` (a 409 at the edge) — unless it is the very same answer
 * (a client retrying after a timeout), which succeeds again without a second event.
 */
export async function respondToThread(
  deps: RuntimeDeps,
  threadId: string,
  reply: HumanReply,
): Promise<{ threadId: string; status: Status }> {
  for (let attempt = 1; ; attempt++) {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    if (repeatsAnswer(thread, reply)) {
      const status = deriveStatus(thread.events);
      // The first request may have died between its append and its enqueue: send the step it
      // owed (a duplicate step message is recognised and dropped).
      if (status === "running") {
        await deps.queue.enqueue({ threadId, version: versionOf(thread) });
      }
      return { threadId, status };
    }
    const event = respond(thread, reply, deps.clock);
    const head = deriveHead([...thread.events, event]);
    try {
      const saved = await deps.store.append(thread, [event], head);
      await deps.queue.enqueue({ threadId, version: versionOf(saved) });
      return { threadId, status: head.status };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
