import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { DynamoThreadStore } from "../shared/aws/dynamo/index.ts";
import { lazyPayloadStore } from "../shared/aws/s3/lazy-payload-store.ts";
import type { PayloadStore } from "../shared/aws/s3/payload-store.ts";
import type { StoreSettings } from "./compose/settings/store.ts";

/**
 * The thread store the settings name, built one way for every function that holds one (the
 * runtime's handlers and the reaper), so they read and delete threads alike: with a payload
 * bucket, large event data goes to that S3 bucket (through `payloads`, when given: the local
 * stack's copy on disk).
 *
 * @example
 * const store = createThreadStore(readSettings().store);
 */
export function createThreadStore(
  settings: StoreSettings,
  clients: {
    clientConfig?: DynamoDBClientConfig;
    s3ClientConfig?: S3ClientConfig;
    payloads?: PayloadStore;
  } = {},
): DynamoThreadStore {
  const bucket = settings.payloadBucket;
  return new DynamoThreadStore({
    tableName: settings.tableName,
    retentionDays: settings.retentionDays,
    ...(clients.clientConfig ? { clientConfig: clients.clientConfig } : {}),
    ...(bucket === undefined
      ? {}
      : {
          payloads:
            clients.payloads ??
            // The S3 client loads when a step first meets data too large for an item.
            s3PayloadStore(bucket, {
              ...clients.s3ClientConfig,
              ...(settings.s3ForcePathStyle ? { forcePathStyle: true } : {}),
            }),
        }),
    ...(settings.payloadThresholdBytes === undefined
      ? {}
      : { payloadThresholdBytes: settings.payloadThresholdBytes }),
  });
}

const s3PayloadStore = (bucket: string, clientConfig: S3ClientConfig): PayloadStore =>
  lazyPayloadStore(async () => {
    const { S3PayloadStore } = await import("../shared/aws/s3/payload-store.ts");
    return new S3PayloadStore({ bucket, clientConfig });
  });
