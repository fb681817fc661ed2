import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
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
