import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

/**
 * fauxqs keeps S3 in memory, and `npm start` keeps DynamoDB Local's threads on disk: without a
 * copy, a restart would leave event items pointing to objects that are gone. So the local stack
 * mirrors the payload bucket into a folder beside DynamoDB Local's files: `loadPayloadFiles` puts
 * them back into the bucket on start, `savePayloadFiles` writes what is new and removes what was
 * deleted (on stop, and every 30 s). Keys hold the data's hash, so a file once written never
 * changes. A stack killed with SIGKILL loses what came after the last save.
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
    const file = fileOf(dir, key);
    mkdirSync(dirname(file), { recursive: true });
    // Whole or not at all: a stack killed mid-write leaves a .tmp file, which is never loaded.
    writeFileSync(`${file}.tmp`, (await object.Body?.transformToString("utf-8")) ?? "");
    renameSync(`${file}.tmp`, file);
  }
  for (const gone of held) rmSync(fileOf(dir, gone), { force: true });
}
