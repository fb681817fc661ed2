import { ThreadClosedError, ThreadNotFoundError } from "../core/errors.ts";
import { childDeleted, childOutcome } from "../core/sub-agents.ts";
import { deriveStatus, parentOf, type Thread, versionOf } from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import { cancelThread } from "./cancel-thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { deleteTree } from "./sub-agents.ts";

type Deps = Pick<RuntimeDeps, "agents" | "store" | "queue" | "clock" | "random">;

/**
 * Deletes a thread and the child threads its agent tools launched (`DELETE /threads/{id}`,
 * `runner.delete`); `false` when there was no such thread. In an order a crash at any line
 * leaves safe:
 * 1. a child whose parent waits for it ends that call first, with an `agent_failed` error the
 *    model reads (`childDeleted`), or with its real end if it ended, so the parent goes on
 *    instead of waiting for a thread that is gone (or the reconciler launching it again);
 * 2. a thread that runs or waits is cancelled, down the tree it waits on, so a delete cut short
 *    leaves a stopped tree nothing resumes or launches again (deleting again finishes it);
 * 3. the tree is deleted, children first.
 */
export async function deleteThread(deps: Deps, threadId: string): Promise<boolean> {
  const thread = await deps.store.load(threadId);
  if (!thread) return false;
  await endParentsCall(deps, thread);
  try {
    await cancelThread(deps, threadId, { reason: "the thread is being deleted" });
  } catch (cause) {
    // Done or failed: nothing runs. Gone: a delete racing this one.
    if (!(cause instanceof ThreadClosedError || cause instanceof ThreadNotFoundError)) throw cause;
  }
  return deleteTree(deps, threadId);
}

/** Ends the call of the parent that waits for `child` (a deleted child), and steps the parent. */
async function endParentsCall(deps: Deps, child: Thread): Promise<void> {
  const link = parentOf(child.events);
  if (!link) return;
  let saved: Thread;
  try {
    ({ saved } = await appendEvent(deps, link.threadId, (parent) => {
      const resultBudget = deps.agents.get(parent.agent)?.resultBudget ?? 2000;
      return (
        childOutcome(parent, child, { clock: deps.clock, resultBudget }) ??
        childDeleted(parent, child, deps.clock)
      );
    }));
  } catch (cause) {
    if (cause instanceof ThreadNotFoundError) return; // deleted first
    throw cause;
  }
  if (deriveStatus(saved.events) === "running") {
    await deps.queue.enqueue({ threadId: saved.id, version: versionOf(saved) });
  }
}
