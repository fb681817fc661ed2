import { expireCallbacks, restartOwedCallbacks } from "../../shared/runtime/callbacks.ts";
import { expireApprovals } from "../../shared/runtime/expire-approvals.ts";
import { reconcileOrphans } from "../../shared/runtime/orphans.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { reconcileChildren } from "../../shared/runtime/sub-agents.ts";
import { type WaitingApprovals, waitingApprovals } from "../../shared/runtime/waiting-approvals.ts";
import type { Root } from "./root.ts";
import { runtimeSections } from "./sections.ts";

/** What the reconciler reads: the runtime's sections. */
export const reconcilerSections = runtimeSections;

/** Threads idle this long while `running` get their step enqueued again. Default 5 minutes. */
export const STALE_AFTER_MS = 5 * 60_000;

export interface ReconcileResult {
  checked: number;
  enqueued: number;
  expired: number;
  /** Callbacks past their tool's `timeoutMs`, closed as expired. */
  expiredCallbacks: number;
  /** Callback waits whose `start` never ran, issued again (a new token, `start` run). */
  restartedCallbacks: number;
  waiting: number;
  /** Threads waiting for a child agent whose child was launched (or its end handed over) again. */
  relaunched: number;
  /** Children that ran or waited for a parent that no longer waits for them: cancelled. */
  cancelledOrphans: number;
  /** Children whose parent is gone (created while their tree was deleted): deleted with theirs. */
  deletedOrphans: number;
}

/**
 * The reconciler of a root: it re-enqueues running threads whose step message was lost (and
 * launches again the child a stale `waiting_for_agent` thread waits on, and cancels or deletes
 * the children whose parent no longer waits for them), rejects approvals past
 * their tool's `approvalTimeoutMs`, issues again the callback waits whose `start` never ran
 * (stale for `staleAfterMs`), closes callbacks past their `timeoutMs`, then counts the
 * approvals still waiting per
 * agent (handed to `onApprovals`: the deployed function publishes them as metrics).
 *
 * @example
 * const reconciler = buildReconciler(root, { staleAfterMs: 60_000 });
 * await reconciler(); // { checked, enqueued, expired, waiting, relaunched, cancelledOrphans, ... }
 */
export function buildReconciler(
  root: Root,
  options: {
    staleAfterMs?: number;
    onApprovals?: (approvals: ReadonlyMap<string, WaitingApprovals>, now: Date) => void;
  } = {},
): () => Promise<ReconcileResult> {
  return async () => {
    const deps = root.deps();
    const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
    const result = await reconcile(deps, { staleAfterMs });
    const { relaunched } = await reconcileChildren(deps, { staleAfterMs });
    const orphans = await reconcileOrphans(deps, { staleAfterMs });
    const { expired } = await expireApprovals(deps);
    // Before the expiry: a wait whose start never ran gets its start (and a new expiry).
    const { restarted } = await restartOwedCallbacks(deps, { staleAfterMs });
    const callbacks = await expireCallbacks(deps);
    const approvals = await waitingApprovals(deps);
    options.onApprovals?.(approvals, deps.clock.now());
    const waiting = [...approvals.values()].reduce((sum, { count }) => sum + count, 0);
    return {
      ...result,
      expired,
      expiredCallbacks: callbacks.expired,
      restartedCallbacks: restarted,
      waiting,
      relaunched,
      cancelledOrphans: orphans.cancelled,
      deletedOrphans: orphans.deleted,
    };
  };
}
