import { apiHandler } from "./api.ts";
import { authorizerHandler } from "./authorizer.ts";
import type { HandlersOptions } from "./lazy.ts";
import { notifyHandler } from "./notify.ts";
import { reaperHandler } from "./reaper.ts";
import { reconcilerHandler } from "./reconciler.ts";
import { triggerHandler } from "./trigger.ts";
import { workerHandler } from "./worker.ts";

export type { HandlersOptions } from "./lazy.ts";

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
 * Builds the Lambda handlers from a user's agents module (`agents`, and optionally the `model`
 * of the agents that name none). Each builds its composition root from the environment the
 * `TwelveRuntime` construct sets (table, queue, bus, secrets) on its first invocation, so a bad
 * setting fails that invocation loudly.
 *
 * @example
 * // handlers.ts of your own, if you wire the functions yourself
 * import { createHandlers } from "twelve-agents/aws";
 * import { agents } from "./agents.ts";
 * export const { api, worker, trigger, reconciler, authorizer } = createHandlers({ agents });
 */
export function createHandlers(options: HandlersOptions): TwelveHandlers {
  return {
    api: apiHandler(options),
    worker: workerHandler(options),
    trigger: triggerHandler(options),
    reconciler: reconcilerHandler(options),
    authorizer: authorizerHandler(),
    notify: notifyHandler(),
    reaper: reaperHandler(),
  };
}
