import * as z from "zod";
import { MAX_PAYLOAD_THRESHOLD_BYTES } from "../../../shared/aws/dynamo/payloads.ts";
import { type RawSettings, readEnv } from "../../../shared/config/read-env.ts";

const positiveInteger = () =>
  z.coerce.number({ error: "must be a positive integer" }).int().positive();

/** The thread store's environment: the table, retention, and the payload bucket. */
const schema = z.object({
  TABLE_NAME: z.string().min(1),
  /** Days a finished thread is kept before DynamoDB's TTL removes it. Default 90. */
  THREAD_RETENTION_DAYS: positiveInteger().default(90),
  /** The S3 bucket where event data over `PAYLOAD_THRESHOLD_BYTES` is kept. */
  PAYLOAD_BUCKET: z.string().min(1).optional(),
  /** Data whose JSON text is longer than this many bytes goes to the bucket. Default 32,768. */
  PAYLOAD_THRESHOLD_BYTES: positiveInteger()
    .max(MAX_PAYLOAD_THRESHOLD_BYTES, {
      error: `must be at most ${MAX_PAYLOAD_THRESHOLD_BYTES} (an event item holds 400 KB)`,
    })
    .optional(),
  /** `true` for path-style S3 URLs (an emulator on 127.0.0.1, such as the local stack's fauxqs). */
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .transform((value) => value === "true")
    .optional(),
});

/** Where threads live: a DynamoDB table, and an S3 bucket for large event data. */
export interface StoreSettings {
  tableName: string;
  retentionDays: number;
  /** Without a bucket, an event must fit its DynamoDB item. */
  payloadBucket?: string | undefined;
  payloadThresholdBytes?: number | undefined;
  s3ForcePathStyle?: boolean | undefined;
}

/** `TABLE_NAME`, `THREAD_RETENTION_DAYS`, `PAYLOAD_BUCKET`, `PAYLOAD_THRESHOLD_BYTES`, `S3_FORCE_PATH_STYLE`. */
export function readStoreSettings(env: RawSettings): StoreSettings {
  const read = readEnv(schema, env);
  return {
    tableName: read.TABLE_NAME,
    retentionDays: read.THREAD_RETENTION_DAYS,
    payloadBucket: read.PAYLOAD_BUCKET,
    payloadThresholdBytes: read.PAYLOAD_THRESHOLD_BYTES,
    s3ForcePathStyle: read.S3_FORCE_PATH_STYLE,
  };
}
