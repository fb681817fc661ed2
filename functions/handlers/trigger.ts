import { logger } from "../logger.ts";
import { createTriggerHandler, type TriggerResult } from "../trigger/app.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/** The Lambda handler of EventBridge rules and schedules that launch agents. */
export function triggerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  let trigger: ReturnType<typeof createTriggerHandler> | undefined;
  return async (event: unknown): Promise<TriggerResult> => {
    trigger ??= createTriggerHandler(runtime().deps, logger);
    return trigger(event);
  };
}
