import { ThreadNotFoundError } from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import { hashArgs } from "../core/hash.ts";
import { fork } from "../core/lifecycle.ts";
import { deriveHead, deriveStatus, type Status, versionOf } from "../core/thread.ts";
import { restartCallback } from "./callbacks.ts";
import type { RuntimeDeps } from "./deps.ts";
import { announceWaiting } from "./process-step.ts";
import { launchChild } from "./sub-agents.ts";

export interface ForkRequest {
  threadId: string;
  /** How many of the thread's events the fork copies; the latest version by default. */
  version?: number;
  /** The same key returns the same fork (a retried request). */
  idempotencyKey?: string;
  /** Who forked it: kept in the fork's `forkedFrom`. */
  by?: Actor;
}

/**
 * A new thread with a copy of events `1..version` of another (factor 5: replay from any point,
 * try another path). A running fork gets its step enqueued; one taken at a pending call waits on
 * that call. Its tools get new idempotency keys (they name the new thread), so a replay runs them
 * again; an approval is never inherited: the fork asks for it again (see `fork`). Nor is a
 * callback wait: a fork taken at one issues its own token and expiry and runs the tool's `start`
 * again under its own key (`restartCallback`).
 * `InvalidVersionError` for a version outside `1..latest`, `ThreadClosedError` for one at or
 * after a cancellation.
 */
export async function forkThread(
  deps: Pick<
    RuntimeDeps,
    | "store"
    | "queue"
    | "ids"
    | "notifier"
    | "threadLink"
    | "clock"
    | "agents"
    | "random"
    | "callbackUrl"
  >,
  request: ForkRequest,
): Promise<{
  threadId: string;
  status: Status;
  forkedFrom: { threadId: string; version: number; by?: Actor };
}> {
  const source = await deps.store.load(request.threadId);
  if (!source) throw new ThreadNotFoundError(request.threadId);
  const version = request.version ?? versionOf(source);
  const forked = fork(source, {
    version,
    threadId: deps.ids.threadId(),
    ...(request.by ? { by: request.by } : {}),
    clock: deps.clock,
  });
  const { thread } = await deps.store.create({
    thread: forked,
    head: deriveHead(forked.events),
    ...(request.idempotencyKey
      ? {
          idempotencyKey: request.idempotencyKey,
          fingerprint: hashArgs({ fork: request.threadId, version }),
        }
      : {}),
  });
  let status = deriveStatus(thread.events);
  if (status === "running") {
    await deps.queue.enqueue({ threadId: thread.id, version: versionOf(thread) });
  } else if (status === "waiting_for_agent") {
    // A fork taken while a child ran waits on a child of its own (its id follows from the fork's).
    await launchChild(deps, thread);
  } else if (status === "waiting_for_callback") {
    // A fork never inherits a callback wait (its token names the source): it issues its own
    // token and expiry, and `start` runs again under the fork's idempotency key.
    // Its `start` may throw (the call is closed with an error and the fork runs on): the answer
    // says how the fork stands after it.
    if (await restartCallback(deps, thread.id)) {
      const after = await deps.store.load(thread.id);
      if (after) status = deriveStatus(after.events);
    }
  } else {
    // A fork taken at a pause waits on that call: whoever answers pauses must hear of it.
    await announceWaiting(deps, thread);
  }
  return {
    threadId: thread.id,
    status,
    forkedFrom: thread.forkedFrom ?? { threadId: request.threadId, version },
  };
}
