import type { Metrics } from "@aws-lambda-powertools/metrics";
import {
  buildReconciler,
  type ReconcileResult,
  reconcilerSections,
} from "../compose/reconciler.ts";
import type { Root } from "../compose/root.ts";
import { logger } from "../logger.ts";
import { createMetrics, publishApprovalMetrics } from "../observability/metrics.ts";
import { type HandlersOptions, rootFor } from "./lazy.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The scheduled reconciler's Lambda handler (an EventBridge schedule, every few minutes): it
 * re-enqueues running threads whose step message was lost, then rejects approvals past their
 * tool's `approvalTimeoutMs`, then publishes the approvals still waiting per agent
 * (`ApprovalsWaiting`, `OldestApprovalAge`): facts of the threads, not of a step, so they are
 * counted here, on the schedule, from the thread listing.
 */
export function reconcilerHandler(options: HandlersOptions | Root): () => Promise<ReconcileResult> {
  return lazyHandler(() => {
    const root = rootFor(options, reconcilerSections);
    let metrics: Metrics | undefined;
    const reconcile = buildReconciler(root, {
      onApprovals: (approvals, now) => {
        metrics ??= createMetrics();
        publishApprovalMetrics(metrics, approvals, root.agents.keys(), now);
      },
    });
    return async () => {
      const result = await reconcile();
      logger.info("reconciled running threads", { ...result });
      return result;
    };
  });
}
