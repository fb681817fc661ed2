import type { Metrics } from "@aws-lambda-powertools/metrics";
import { expireApprovals } from "../../shared/runtime/expire-approvals.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { waitingApprovals } from "../../shared/runtime/waiting-approvals.ts";
import { logger } from "../logger.ts";
import { createMetrics, publishApprovalMetrics } from "../observability/metrics.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/** Threads idle this long while `running` get their step enqueued again. */
const STALE_AFTER_MS = 5 * 60_000;

/**
 * The scheduled reconciler's Lambda handler (an EventBridge schedule, every few minutes): it
 * re-enqueues running threads whose step message was lost, then rejects approvals past their
 * tool's `approvalTimeoutMs`, then publishes the approvals still waiting per agent
 * (`ApprovalsWaiting`, `OldestApprovalAge`): facts of the threads, not of a step, so they are
 * counted here, on the schedule, from the thread listing.
 */
export function reconcilerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  let metrics: Metrics | undefined;
  return async (): Promise<{
    checked: number;
    enqueued: number;
    expired: number;
    waiting: number;
  }> => {
    const { deps } = runtime();
    metrics ??= createMetrics();
    const result = await reconcile(deps, { staleAfterMs: STALE_AFTER_MS });
    const { expired } = await expireApprovals(deps);
    const approvals = await waitingApprovals(deps);
    publishApprovalMetrics(metrics, approvals, deps.agents.keys(), deps.clock.now());
    const waiting = [...approvals.values()].reduce((sum, { count }) => sum + count, 0);
    logger.info("reconciled running threads", { ...result, expired, waiting });
    return { ...result, expired, waiting };
  };
}
