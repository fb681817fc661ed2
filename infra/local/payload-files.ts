import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { PayloadStore } from "../../shared/aws/s3/payload-store.ts";

/**
 * fauxqs keeps S3 in memory, and `npm start` keeps DynamoDB Local's threads on disk: without a
 * copy, a restart would leave event items pointing to objects that are gone. So the local stack
 * keeps the payload bucket in a folder beside DynamoDB Local's files: `DiskCopiedPayloads` writes
 * each object's file before its put returns (so the item that points to it, written after, never
 * outlives it, even through a SIGKILL), `loadPayloadFiles` puts the files back into the bucket on
 * start, and `savePayloadFiles` makes the folder hold what the bucket holds on stop. Keys hold the
 * data's hash, so a file once written never changes.
 */

/** Every key under `dir`, as the bucket names it (`/`-separated). */
function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, withFileTypes: false }) as string[];
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.split(sep).join("/"))
    .sort();
}

/** The file of `key` under `dir`; a key that would leave `dir` is refused. */
function fileOf(dir: string, key: string): string {
  const file = join(dir, ...key.split("/"));
  if (relative(dir, file).startsWith("..")) throw new Error(`payload key ${key} leaves ${dir}`);
  return file;
}

async function keysOf(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Puts every file under `dir` into `bucket`; returns how many.
 *
 * @example
 * await loadPayloadFiles(s3, "twelve-payloads", ".data/dynamodb/s3-payloads");
 */
export async function loadPayloadFiles(
  client: S3Client,
  bucket: string,
  dir: string,
): Promise<number> {
  const keys = filesUnder(dir);
  for (const key of keys) {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: readFileSync(fileOf(dir, key), "utf8"),
        ContentType: "application/json",
      }),
    );
  }
  return keys.length;
}

/**
 * Makes `dir` hold what `bucket` holds: writes the objects it has no file of, removes the files
 * whose object is gone.
 *
 * @example
 * await savePayloadFiles(s3, "twelve-payloads", ".data/dynamodb/s3-payloads");
 */
export async function savePayloadFiles(
  client: S3Client,
  bucket: string,
  dir: string,
): Promise<void> {
  const held = new Set(filesUnder(dir));
  const keys = await keysOf(client, bucket);
  for (const key of keys) {
    if (held.delete(key)) continue;
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    writeFile(dir, key, (await object.Body?.transformToString("utf-8")) ?? "");
  }
  for (const gone of held) rmSync(fileOf(dir, gone), { force: true });
}

/** Writes `body` as the file of `key`, whole or not at all (a killed write leaves a .tmp file). */
function writeFile(dir: string, key: string, body: string): void {
  const file = fileOf(dir, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, body);
  renameSync(`${file}.tmp`, file);
}

/**
 * The payload store of the local stack: the bucket (fauxqs's S3) with its files under `dir`
 * written through. A put returns once the object is in the bucket and its file on disk; a delete
 * removes both; a read the bucket cannot answer (it was emptied) is answered from the file.
 *
 * @example
 * const payloads = new DiskCopiedPayloads(new S3PayloadStore({ bucket, client }), ".data/dynamodb/s3-payloads");
 */
export class DiskCopiedPayloads implements PayloadStore {
  private readonly bucket: PayloadStore;
  private readonly dir: string;

  constructor(bucket: PayloadStore, dir: string) {
    this.bucket = bucket;
    this.dir = dir;
  }

  async put(key: string, body: string): Promise<void> {
    writeFile(this.dir, key, body);
    await this.bucket.put(key, body);
  }

  async get(key: string): Promise<string | undefined> {
    const body = await this.bucket.get(key);
    if (body !== undefined) return body;
    try {
      return readFileSync(fileOf(this.dir, key), "utf8");
    } catch {
      return undefined;
    }
  }

  async deleteAll(prefix: string): Promise<number> {
    const removed = await this.bucket.deleteAll(prefix);
    for (const key of filesUnder(this.dir)) {
      if (key.startsWith(prefix)) rmSync(fileOf(this.dir, key), { force: true });
    }
    return removed;
  }

  linkTo(key: string, expiresInSeconds: number): Promise<string> {
    return this.bucket.linkTo(key, expiresInSeconds);
  }
}
