import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import type { ThreadEvent } from "../core/events.ts";
import { withQueued } from "../core/message.ts";
import { deriveHead, type Thread, type ThreadHead } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

/** Tries of a verb that keeps losing its race before it answers `VersionConflictError` (409). */
export const ATTEMPTS = 10;
const BASE_MS = 25;
const CAP_MS = 1000;

/**
 * How long to wait after the `attempt`-th lost race: "full jitter" (a uniform pick below an
 * exponential ceiling), so writers that lost together do not come back together. `random` is
 * uniform in [0, 1).
 *
 * @example
 * await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, Math.random)));
 */
export const backoffMs = (attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(CAP_MS, BASE_MS * 2 ** (attempt - 1)));

/**
 * Runs `write` (one load, one conditional write) again after each `VersionConflictError`, with
 * backoff, at most `ATTEMPTS` times; the last conflict is thrown (a 409 the client may retry).
 */
export async function retryOnConflict<T>(
  deps: Pick<RuntimeDeps, "random">,
  write: () => Promise<T>,
): Promise<T> {
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= ATTEMPTS) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, random)));
  }
}

/**
 * The write of every verb a person sends (an answer, a message, a cancel): load the thread, let
 * `decide` pick the one event to add (or `null` for none), append it conditionally, with the
 * messages waiting beside the thread delivered after it (`withQueued`). A lost race (a step, a
 * queued message or another person got there first) decides again on the thread the winner
 * saved, where the verb may now mean something else or be refused; `decide` throws the refusal.
 *
 * @example
 * const { saved, head } = await appendEvent(deps, threadId, (thread) => cancel(thread, {}, clock));
 */
export async function appendEvent(
  deps: Pick<RuntimeDeps, "store" | "random">,
  threadId: string,
  decide: (thread: Thread) => ThreadEvent | null,
): Promise<{ saved: Thread; head: ThreadHead; appended: boolean }> {
  return retryOnConflict(deps, async () => {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    const event = decide(thread);
    if (!event) return { saved: thread, head: deriveHead(thread.events), appended: false };
    const saved = await appendDelivering(deps, thread, [event]);
    return { saved, head: deriveHead(saved.events), appended: true };
  });
}

/**
 * `store.append` of `events` to `read`, with the messages waiting beside `read` delivered after
 * them (`withQueued`): every append that moves a thread takes its waiting messages along, so
 * none is left behind. `head` is the head of `read` + `events` (default: derived); the head of
 * what is written is derived when messages were delivered too.
 */
export async function appendDelivering(
  deps: Pick<RuntimeDeps, "store">,
  read: Thread,
  events: readonly ThreadEvent[],
  head?: ThreadHead,
): Promise<Thread> {
  const all = withQueued(read, events);
  const written =
    head && all.length === events.length ? head : deriveHead([...read.events, ...all]);
  return deps.store.append(read, all, written);
}
