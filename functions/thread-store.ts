import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { DynamoThreadStore } from "../shared/aws/dynamo/thread-store.ts";
import { type PayloadStore, S3PayloadStore } from "../shared/aws/s3/payload-store.ts";
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
            new S3PayloadStore({
              bucket,
              clientConfig: {
                ...clients.s3ClientConfig,
                ...(settings.s3ForcePathStyle ? { forcePathStyle: true } : {}),
              },
            }),
        }),
    ...(settings.payloadThresholdBytes === undefined
      ? {}
      : { payloadThresholdBytes: settings.payloadThresholdBytes }),
  });
}
