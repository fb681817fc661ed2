import { reconcile } from "../../shared/runtime/reconcile.ts";
import { logger } from "../logger.ts";
import { runtime } from "../runtime.ts";

/** Threads idle this long while `running` get their step enqueued again. */
const STALE_AFTER_MS = 5 * 60_000;

/** Lambda entry point of the scheduled reconciler (an EventBridge schedule, every few minutes). */
export const handler = async (): Promise<{ checked: number; enqueued: number }> => {
  const result = await reconcile(runtime().deps, { staleAfterMs: STALE_AFTER_MS });
  logger.info("reconciled running threads", result);
  return result;
};
