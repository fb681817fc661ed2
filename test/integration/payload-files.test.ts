import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  DiskCopiedPayloads,
  loadPayloadFiles,
  savePayloadFiles,
} from "../../infra/local/payload-files.ts";
import { ensureBucket, S3PayloadStore } from "../../shared/aws/s3/payload-store.ts";

// fauxqs's S3 from the global setup; a bucket and a folder per test.
const s3 = new S3Client({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: inject("sqsEndpoint"),
  forcePathStyle: true,
});
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function fresh() {
  const bucket = `files-${randomUUID()}`;
  await ensureBucket(s3, bucket);
  const dir = mkdtempSync(join(tmpdir(), "twelve-payload-files-"));
  dirs.push(dir);
  return { bucket, dir };
}

const keysOf = async (bucket: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [])
    .map((object) => object.Key)
    .sort();

describe("The local stack's copy of the payload bucket on disk", () => {
  it("writes new objects, removes deleted ones, and puts them back into an empty bucket", async () => {
    // Prepare
    const { bucket, dir } = await fresh();
    const a = "threads/thr_1/EVT-0000000002-aa.json";
    const b = "threads/thr%2F2/EVT-0000000004-bb.json";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: a, Body: '{"result":"é"}' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: b, Body: '{"result":2}' }));

    // Act
    await savePayloadFiles(s3, bucket, dir);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: b }));
    await savePayloadFiles(s3, bucket, dir);
    // A half-written file of a killed stack is never loaded.
    writeFileSync(join(dir, "threads", "thr_1", "EVT-0000000006-cc.json.tmp"), "{");
    const { bucket: restarted } = await fresh();
    const loaded = await loadPayloadFiles(s3, restarted, dir);

    // Assess
    expect(readFileSync(join(dir, "threads", "thr_1", "EVT-0000000002-aa.json"), "utf8")).toBe(
      '{"result":"é"}',
    );
    expect(existsSync(join(dir, "threads", "thr%2F2", "EVT-0000000004-bb.json"))).toBe(false);
    expect(loaded).toBe(1);
    expect(await keysOf(restarted)).toEqual([a]);
    const object = await s3.send(new GetObjectCommand({ Bucket: restarted, Key: a }));
    expect(await object.Body?.transformToString("utf-8")).toBe('{"result":"é"}');
  });

  it("loads nothing from a folder that does not exist yet", async () => {
    const { bucket, dir } = await fresh();
    expect(await loadPayloadFiles(s3, bucket, join(dir, "none"))).toBe(0);
  });
});

describe("Class: DiskCopiedPayloads (the local stack's payload store)", () => {
  it("has the file on disk when a put returns, removes it with the thread, reads it when the bucket lost it", async () => {
    // Prepare
    const { bucket, dir } = await fresh();
    const payloads = new DiskCopiedPayloads(new S3PayloadStore({ bucket, client: s3 }), dir);
    const key = "threads/thr_1/EVT-0000000002-abc.json";

    // Act
    await payloads.put(key, '{"result":"big"}');
    const onDisk = readFileSync(join(dir, "threads", "thr_1", "EVT-0000000002-abc.json"), "utf8");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const fromDisk = await payloads.get(key);
    await payloads.put("threads/thr_2/EVT-0000000001-def.json", "{}");
    const removed = await payloads.deleteAll("threads/thr_1/");

    // Assess
    expect(onDisk).toBe('{"result":"big"}');
    expect(fromDisk).toBe('{"result":"big"}');
    expect(removed).toBe(0);
    expect(existsSync(join(dir, "threads", "thr_1", "EVT-0000000002-abc.json"))).toBe(false);
    expect(existsSync(join(dir, "threads", "thr_2", "EVT-0000000001-def.json"))).toBe(true);
  });
});
