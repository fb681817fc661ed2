import { apiHandler } from "./api.ts";
import { authorizerHandler } from "./authorizer.ts";
import { type HandlersOptions, lazyRuntime } from "./lazy-runtime.ts";
import { notifyHandler } from "./notify.ts";
import { reaperHandler } from "./reaper.ts";
import { reconcilerHandler } from "./reconciler.ts";
import { triggerHandler } from "./trigger.ts";
import { workerHandler } from "./worker.ts";

export type { HandlersOptions } from "./lazy-runtime.ts";

/** The Lambda handlers of one deployment, each ready to be a function's `handler` export. */
export interface TwelveHandlers {
  api: ReturnType<typeof apiHandler>;
  worker: ReturnType<typeof workerHandler>;
  trigger: ReturnType<typeof triggerHandler>;
  reconciler: ReturnType<typeof reconcilerHandler>;
  authorizer: ReturnType<typeof authorizerHandler>;
  notify: ReturnType<typeof notifyHandler>;
  reaper: ReturnType<typeof reaperHandler>;
}

/**
 * Builds the Lambda handlers from a user's agents. They share one runtime per container, built
 * from the environment the `TwelveRuntime` construct sets (table, queue, bus, secrets) on the
 * first invocation, so a bad setting fails that invocation loudly.
 *
 * @example
 * // handlers.ts of your own, if you wire the functions yourself
 * import { createHandlers } from "twelve-agents/aws";
 * import { agents } from "./agents.ts";
 * export const { api, worker, trigger, reconciler, authorizer } = createHandlers({ agents });
 */
export function createHandlers(options: HandlersOptions): TwelveHandlers {
  const runtime = lazyRuntime(options);
  return {
    api: apiHandler(runtime),
    worker: workerHandler(runtime),
    trigger: triggerHandler(runtime),
    reconciler: reconcilerHandler(runtime),
    authorizer: authorizerHandler(),
    notify: notifyHandler(),
    reaper: reaperHandler(),
  };
}
