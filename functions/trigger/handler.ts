import { logger } from "../logger.ts";
import { runtime } from "../runtime.ts";
import { createTriggerHandler, type TriggerResult } from "./app.ts";

let trigger: ReturnType<typeof createTriggerHandler> | undefined;

/** Lambda entry point for EventBridge rules and schedules that launch agents. */
export const handler = async (event: unknown): Promise<TriggerResult> => {
  trigger ??= createTriggerHandler(runtime().deps, logger);
  return trigger(event);
};
