/**
 * `twelve-agents/cdk`: the `TwelveRuntime` construct, for any stack of yours.
 *
 * @example
 * import { TwelveRuntime } from "twelve-agents/cdk";
 * import { agents } from "./agents.ts";
 * new TwelveRuntime(stack, "Agents", { entry: "./agents.ts", agents });
 */
export { AgentTriggers, LAUNCH_DETAIL_TYPE } from "./constructs/agent-triggers.ts";
export {
  type BedrockRegions,
  PROFILE_DESTINATIONS,
  type ProfileGeography,
} from "./constructs/bedrock-profile-regions.ts";
export {
  type FunctionSettings,
  type FunctionsSettings,
  functionDefaults,
} from "./constructs/function-settings.ts";
export { type HandlerName, handlerNames } from "./constructs/handler-entries.ts";
export type { ApiDomain, JwtAuth } from "./constructs/http-api.ts";
export {
  MAX_RECEIVE_COUNT,
  RECONCILE_EVERY,
  STEP_VISIBILITY_TIMEOUT,
  TwelveRuntime,
  type TwelveRuntimeProps,
  WORKER_TIMEOUT,
} from "./twelve-runtime.ts";
