import { DynamoThreadStore } from "../shared/aws/dynamo/index.ts";
import type { RuntimeConfig } from "./config.ts";

/**
 * The thread store the configuration names, built one way for every function that holds one
 * (the runtime's handlers and the reaper), so they read and delete threads alike.
 *
 * @example
 * const store = createThreadStore(readConfig());
 */
export function createThreadStore(
  config: Pick<RuntimeConfig, "TABLE_NAME"> & Partial<Pick<RuntimeConfig, "THREAD_RETENTION_DAYS">>,
): DynamoThreadStore {
  return new DynamoThreadStore({
    tableName: config.TABLE_NAME,
    ...(config.THREAD_RETENTION_DAYS === undefined
      ? {}
      : { retentionDays: config.THREAD_RETENTION_DAYS }),
  });
}
