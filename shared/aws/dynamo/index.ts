export {
  DynamoThreadStore,
  type DynamoThreadStoreOptions,
  MAX_APPEND_EVENTS,
  MAX_CREATE_EVENTS,
} from "./dynamo-thread-store.ts";
export { CorruptThreadError, EventTooLargeError, TooManyEventsError } from "./errors.ts";
export {
  DEFAULT_PAYLOAD_THRESHOLD_BYTES,
  MAX_PAYLOAD_THRESHOLD_BYTES,
  payloadPrefix,
} from "./payloads.ts";
export { DynamoReplayGuard } from "./replay-guard.ts";
export {
  byAgentIndex,
  byStatusIndex,
  ensureTable,
  type TableClient,
  type ThreadIndex,
  threadAttributeDefinitions,
  threadGlobalSecondaryIndexes,
  threadIndexes,
  threadKeySchema,
  threadTable,
} from "./table.ts";
