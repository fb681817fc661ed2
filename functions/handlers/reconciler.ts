import { reconcile } from "../../shared/runtime/reconcile.ts";
import { logger } from "../logger.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/** Threads idle this long while `running` get their step enqueued again. */
const STALE_AFTER_MS = 5 * 60_000;

/** The scheduled reconciler's Lambda handler (an EventBridge schedule, every few minutes). */
export function reconcilerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  return async (): Promise<{ checked: number; enqueued: number }> => {
    const result = await reconcile(runtime().deps, { staleAfterMs: STALE_AFTER_MS });
    logger.info("reconciled running threads", result);
    return result;
  };
}
