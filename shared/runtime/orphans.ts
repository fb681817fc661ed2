import { ThreadClosedError, ThreadNotFoundError } from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import { orphanFate } from "../core/sub-agents.ts";
import { parentOf, type Status } from "../core/thread.ts";
import { cancelThread } from "./cancel-thread.ts";
import { deleteThread } from "./delete-thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";

type Deps = Pick<RuntimeDeps, "agents" | "store" | "queue" | "clock" | "random">;

/** Who the sweep's cancellations name. */
export const RECONCILER: Actor = { principal: "reconciler", via: "schedule" };

/** The statuses a child can be orphaned in: the ones that still run or wait. */
const mayBeOrphaned = {
  running: true,
  waiting_for_approval: true,
  waiting_for_human: true,
  waiting_for_agent: true,
  waiting_for_callback: true,
  done: false,
  failed: false,
  cancelled: false,
} as const satisfies Record<Status, boolean>;

const sweptStatuses = (Object.keys(mayBeOrphaned) as Status[]).filter((s) => mayBeOrphaned[s]);

/**
 * The reconciler's sweep of orphaned children: every child thread that runs or waits, idle for
 * `staleAfterMs`, whose parent no longer waits for it (cancelled, failed, done, or its call has
 * an outcome already) is cancelled by the reconciler, down its own tree, with the writes a
 * cancel makes (version-checked: a step or a person racing it wins or loses cleanly); one whose
 * parent is gone is deleted with its children (see `orphanFate`). This finishes what a crash
 * cut short: a cancel cascade, a delete, and a child a step created behind a delete.
 *
 * Its cost: one read of every idle thread that runs or waits, and one of each child's parent.
 */
export async function reconcileOrphans(
  deps: Deps,
  options: { staleAfterMs: number },
): Promise<{ checked: number; cancelled: number; deleted: number }> {
  const cutoff = deps.clock.now().getTime() - options.staleAfterMs;
  const result = { checked: 0, cancelled: 0, deleted: 0 };
  for (const status of sweptStatuses) {
    for await (const summary of threadsIn(deps.store, status)) {
      result.checked++;
      if (Date.parse(summary.updatedAt) > cutoff) continue;
      const child = await deps.store.load(summary.threadId);
      const link = child && parentOf(child.events);
      if (!link) continue;
      const fate = orphanFate(child, await deps.store.load(link.threadId));
      switch (fate.fate) {
        case "keep":
          break;
        case "cancel":
          if (await cancelOrphan(deps, child.id, fate.reason)) result.cancelled++;
          break;
        case "delete":
          if (await deleteThread(deps, child.id)) result.deleted++;
          break;
        default: {
          const unknown: never = fate;
          throw new TypeError(`unknown fate ${JSON.stringify(unknown)}`);
        }
      }
    }
  }
  return result;
}

/** Cancels an orphan; `false` when it ended or went meanwhile (nothing to do). */
async function cancelOrphan(deps: Deps, threadId: string, reason: string): Promise<boolean> {
  try {
    await cancelThread(deps, threadId, { reason, by: RECONCILER });
    return true;
  } catch (cause) {
    if (cause instanceof ThreadNotFoundError || cause instanceof ThreadClosedError) return false;
    throw cause;
  }
}
