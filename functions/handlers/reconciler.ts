import { expireApprovals } from "../../shared/runtime/expire-approvals.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { logger } from "../logger.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/** Threads idle this long while `running` get their step enqueued again. */
const STALE_AFTER_MS = 5 * 60_000;

/**
 * The scheduled reconciler's Lambda handler (an EventBridge schedule, every few minutes): it
 * re-enqueues running threads whose step message was lost, then rejects approvals past their
 * tool's `approvalTimeoutMs`.
 */
export function reconcilerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  return async (): Promise<{ checked: number; enqueued: number; expired: number }> => {
    const { deps } = runtime();
    const result = await reconcile(deps, { staleAfterMs: STALE_AFTER_MS });
    const { expired } = await expireApprovals(deps);
    logger.info("reconciled running threads", { ...result, expired });
    return { ...result, expired };
  };
}
