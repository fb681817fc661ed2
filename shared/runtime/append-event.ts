import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import { deriveHead, type Thread, type ThreadHead } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

const ATTEMPTS = 5;

/**
 * The write of every verb a person sends (an answer, a message, a cancel): load the thread, let
 * `decide` pick the one event to add (or `null` for none), append it conditionally. A lost race
 * (a step or another person got there first) decides again on the thread the winner saved, where
 * the verb may now mean something else or be refused; `decide` throws the refusal.
 *
 * @example
 * const { saved, head } = await appendEvent(deps, threadId, (thread) => cancel(thread, {}, clock));
 */
export async function appendEvent(
  deps: Pick<RuntimeDeps, "store">,
  threadId: string,
  decide: (thread: Thread) => ThreadEvent | null,
): Promise<{ saved: Thread; head: ThreadHead; appended: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    const event = decide(thread);
    if (!event) return { saved: thread, head: deriveHead(thread.events), appended: false };
    const head = deriveHead([...thread.events, event]);
    try {
      return { saved: await deps.store.append(thread, [event], head), head, appended: true };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
