import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/**
 * Where the thread store keeps event data too large for its items: one object per event, its
 * body the data's JSON text. Keys are bucket-relative; the store names them (`payloads.ts`).
 */
export interface PayloadStore {
  /** Writes `body` under `key` (a write of the same key and body again is harmless). */
  put(key: string, body: string): Promise<void>;
  /** The object's body, or `undefined` when there is no object under `key`. */
  get(key: string): Promise<string | undefined>;
  /** Removes every object whose key starts with `prefix`; returns how many were removed. */
  deleteAll(prefix: string): Promise<number>;
  /** A URL that serves the object for `expiresInSeconds` to anyone holding it. */
  linkTo(key: string, expiresInSeconds: number): Promise<string>;
}

export interface S3PayloadStoreOptions {
  /** The bucket (the `PayloadBucket` of the CDK construct, or the local stack's). */
  bucket: string;
  /** A ready client (shared, instrumented, or pointing at an emulator). */
  client?: S3Client;
  /**
   * Options for the client built when `client` is omitted (region, credentials and endpoint from
   * env, `AWS_ENDPOINT_URL_S3` among them); an emulator on 127.0.0.1 needs `forcePathStyle`.
   */
  clientConfig?: S3ClientConfig;
}

/** DeleteObjects takes at most 1,000 keys, as a listing page holds. */
const LIST_PAGE = 1000;

/**
 * The `PayloadStore` on one S3 bucket: PutObject, GetObject, a listing by prefix with
 * DeleteObjects for a thread's delete, and presigned GetObject URLs for the HTTP API's links.
 * SDK errors other than a missing key propagate unchanged (a 5xx is an infrastructure error, so
 * the worker retries the step).
 *
 * @example
 * const payloads = new S3PayloadStore({ bucket: process.env.PAYLOAD_BUCKET ?? "payloads" });
 * await payloads.put("threads/thr_1/0000000003-9f86d0….json", '{"result":"…"}');
 */
export class S3PayloadStore implements PayloadStore {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: S3PayloadStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client ?? new S3Client(options.clientConfig ?? {});
  }

  async put(key: string, body: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
      }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return (await object.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
      if (error instanceof Error && error.name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  async deleteAll(prefix: string): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: LIST_PAGE,
          ContinuationToken: token,
        }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      if (keys.length > 0) {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new Error(
            `S3 did not delete ${failed.length} object(s) of ${this.bucket}/${prefix}: ` +
              `${first?.Key} ${first?.Code} ${first?.Message}`,
          );
        }
        removed += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  linkTo(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}

/**
 * Creates `bucket` if it does not exist (the local stack and the tests; in AWS the CDK construct
 * makes it). CreateBucket of a bucket this account owns already is not an error.
 *
 * @example
 * await ensureBucket(new S3Client({ endpoint, forcePathStyle: true }), "twelve-payloads");
 */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof Error && error.name === "BucketAlreadyOwnedByYou") return;
    throw error;
  }
}
