/**
 * `twelve-agents/aws`: the Lambda handlers built from a user's agents, and the AWS adapters the
 * runtime uses (DynamoDB thread store, S3 payloads, SQS FIFO step queue, EventBridge notifier).
 *
 * @example
 * import { createHandlers } from "twelve-agents/aws";
 * export const { api, worker, trigger, reconciler, authorizer } = createHandlers({ agents });
 */
export {
  DynamoReplayGuard,
  DynamoThreadStore,
  type DynamoThreadStoreOptions,
  ensureTable,
} from "../shared/aws/dynamo/index.ts";
export {
  EventBridgeNotifier,
  type EventBridgeNotifierOptions,
  THREAD_WAITING_DETAIL_TYPE,
} from "../shared/aws/events/index.ts";
export {
  ensureBucket,
  type PayloadStore,
  S3PayloadStore,
  type S3PayloadStoreOptions,
} from "../shared/aws/s3/index.ts";
export {
  ensureStepQueues,
  SqsStepQueue,
  type SqsStepQueueOptions,
} from "../shared/aws/sqs/index.ts";
export { type AgentsModule, checkAgentsModule } from "../shared/runtime/agents.ts";
export type { RuntimeDeps } from "../shared/runtime/deps.ts";
export { signWebhook } from "./api/webhooks.ts";
export { readSettings } from "./compose/read-settings.ts";
export { assemble, type Root } from "./compose/root.ts";
export type { Settings } from "./compose/settings.ts";
export { apiHandler } from "./handlers/api.ts";
export { authorizerHandler } from "./handlers/authorizer.ts";
export { createHandlers, type HandlersOptions, type TwelveHandlers } from "./handlers/index.ts";
export { reconcilerHandler } from "./handlers/reconciler.ts";
export { triggerHandler } from "./handlers/trigger.ts";
export { workerHandler } from "./handlers/worker.ts";
export type { TriggerResult } from "./trigger/app.ts";
