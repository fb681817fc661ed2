import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { SCHEMA_VERSION } from "../../shared/aws/dynamo/items.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "../contract/writes.ts";
import { type RecordedVersion, recordedVersions } from "../fixtures/thread-items/corpus.ts";

// The stored items of every schema version ever written (test/fixtures/thread-items/v<N>/):
// whatever the store writes today, it must go on reading and extending what it wrote before.

const base = new DynamoDBClient({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: inject("dynamoEndpoint"),
});

/** A fresh table holding exactly the recorded items, written raw with the low-level client. */
async function storeHolding(items: readonly Record<string, AttributeValue>[]) {
  const tableName = `corpus-${randomUUID()}`;
  await ensureTable(base, tableName);
  for (let start = 0; start < items.length; start += 25) {
    let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await base.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return new DynamoThreadStore({ tableName, client: DynamoDBDocumentClient.from(base) });
}

const versions = recordedVersions();

describe("Corpus: stored thread items of every schema version", () => {
  it("holds the current schema version", () => {
    expect(versions.map((v) => v.version)).toContain(`v${SCHEMA_VERSION}`);
  });

  describe.each(versions)("$version", ({ items, expected }: RecordedVersion) => {
    let store: DynamoThreadStore;
    beforeAll(async () => {
      store = await storeHolding(items);
    });

    it("was recorded with that schema version on every META item", () => {
      const metas = items.filter((item) => item.sk?.S === "META");
      expect(metas).toHaveLength(expected.threads.length);
      for (const meta of metas)
        expect(meta.schemaVersion).toEqual({ N: String(expected.schemaVersion) });
    });

    it("loads every thread as recorded, event for event and key for key", async () => {
      for (const { thread } of expected.threads) {
        const loaded = await store.load(thread.id);
        expect(loaded).toEqual(thread);
        expect(JSON.stringify(loaded)).toBe(JSON.stringify(thread));
      }
    });

    it("lists every thread under its status, and under its agent and status", async () => {
      for (const { summary } of expected.threads) {
        const { status, agent } = summary;
        expect((await store.list({ status })).threads).toContainEqual(summary);
        expect((await store.list({ status, agent })).threads).toContainEqual(summary);
      }
    });

    it("answers a recorded idempotency key with the thread it created", async () => {
      const clock = steppingClock("2026-12-01T00:00:00.000Z");
      for (const [key, threadId] of Object.entries(expected.idempotencyKeys)) {
        const again = launch({
          agent: calculator,
          threadId: randomUUID(),
          message: "again",
          clock,
        });
        const result = await createThread(store, again, key);
        const recorded = expected.threads.find(({ thread }) => thread.id === threadId)?.thread;
        expect(result).toEqual({ thread: recorded, created: false });
      }
    });

    it("appends to every recorded thread at its recorded version", async () => {
      // Prepare: a table of its own, since this test writes
      const writable = await storeHolding(items);
      const event: ThreadEvent = {
        type: "user_message",
        at: "2026-12-01T00:00:00.000Z",
        data: { message: "one more thing" },
      };

      for (const { thread } of expected.threads) {
        // Act
        const read = await writable.load(thread.id);
        const appended = await appendEvents(writable, read ?? thread, [event]);

        // Assess
        expect(appended.events).toEqual([...thread.events, event]);
        expect(await writable.load(thread.id)).toEqual(appended);
      }
    });
  });
});
