import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import { type HumanReply, respond } from "../core/lifecycle.ts";
import { deriveHead, type Status, versionOf } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

const ATTEMPTS = 5;

/**
 * Records a human's answer to the call a thread waits on and enqueues the next step. Two answers
 * racing for one call: both append conditionally, one wins; the loser reloads, finds the call
 * answered, and gets `NotPendingError` (a 409 at the edge).
 */
export async function respondToThread(
  deps: RuntimeDeps,
  threadId: string,
  reply: HumanReply,
): Promise<{ threadId: string; status: Status }> {
  for (let attempt = 1; ; attempt++) {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
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
