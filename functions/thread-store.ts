import { DynamoThreadStore } from "../shared/aws/dynamo/index.ts";
import { lazyPayloadStore } from "../shared/aws/s3/lazy-payload-store.ts";
import type { PayloadStore } from "../shared/aws/s3/payload-store.ts";
import type { RuntimeConfig } from "./config.ts";

/**
 * The thread store the configuration names, built one way for every function that holds one
 * (the runtime's handlers and the reaper), so they read and delete threads alike: with
 * `PAYLOAD_BUCKET`, large event data goes to that S3 bucket (through `payloads`, when given: the
 * local stack's copy on disk).
 *
 * @example
 * const store = createThreadStore(readConfig());
 */
export function createThreadStore(
  config: Pick<RuntimeConfig, "TABLE_NAME"> &
    Partial<
      Pick<
        RuntimeConfig,
        | "THREAD_RETENTION_DAYS"
        | "PAYLOAD_BUCKET"
        | "PAYLOAD_THRESHOLD_BYTES"
        | "S3_FORCE_PATH_STYLE"
      >
    >,
  payloads?: PayloadStore,
): DynamoThreadStore {
  return new DynamoThreadStore({
    tableName: config.TABLE_NAME,
    ...(config.THREAD_RETENTION_DAYS === undefined
      ? {}
      : { retentionDays: config.THREAD_RETENTION_DAYS }),
    ...(config.PAYLOAD_BUCKET === undefined
      ? {}
      : {
          payloads:
            payloads ??
            // The S3 client loads when a step first meets data too large for an item.
            s3PayloadStore(config.PAYLOAD_BUCKET, config.S3_FORCE_PATH_STYLE === true),
        }),
    ...(config.PAYLOAD_THRESHOLD_BYTES === undefined
      ? {}
      : { payloadThresholdBytes: config.PAYLOAD_THRESHOLD_BYTES }),
  });
}

const s3PayloadStore = (bucket: string, forcePathStyle: boolean): PayloadStore =>
  lazyPayloadStore(async () => {
    const { S3PayloadStore } = await import("../shared/aws/s3/payload-store.ts");
    return new S3PayloadStore({ bucket, clientConfig: forcePathStyle ? { forcePathStyle } : {} });
  });
