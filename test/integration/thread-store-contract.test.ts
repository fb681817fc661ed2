import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { S3PayloadStore } from "../../shared/aws/s3/index.ts";
import { describeThreadStoreContract } from "../contract/thread-store.contract.ts";

// DynamoDB Local, started once by the integration tier's global setup; a fresh table per test.
const base = new DynamoDBClient({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: inject("dynamoEndpoint"),
});
const client = DynamoDBDocumentClient.from(base);

describeThreadStoreContract("DynamoThreadStore", async () => {
  const tableName = `contract-${randomUUID()}`;
  await ensureTable(base, tableName);
  // A century of retention: the suite's clocks start in 2026-01, and DynamoDB Local's TTL deletes
  // expired items (a thread of a January clock and 90 days would vanish mid-test).
  return new DynamoThreadStore({ tableName, client, retentionDays: 36_500 });
});

// The same contract with every event's data in fauxqs's S3 (a threshold of 1 byte): pointers are
// written, read back and checked on every load and page, and a delete removes the objects.
const s3 = new S3Client({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: inject("sqsEndpoint"),
  forcePathStyle: true,
});

describeThreadStoreContract("DynamoThreadStore, every event's data in S3", async () => {
  const tableName = `contract-s3-${randomUUID()}`;
  await ensureTable(base, tableName);
  return new DynamoThreadStore({
    tableName,
    client,
    retentionDays: 36_500,
    payloads: new S3PayloadStore({ bucket: inject("payloadBucket"), client: s3 }),
    payloadThresholdBytes: 1,
  });
});
