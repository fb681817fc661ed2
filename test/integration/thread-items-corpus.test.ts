import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { SCHEMA_VERSION } from "../../shared/aws/dynamo/items.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { derivePending, deriveStatus, deriveUsage } from "../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
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

  describe.each(versions)("$version", ({ items, recorded, expected }: RecordedVersion) => {
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

    it("reads recorded token usage under today's names, with the recorded counts", async () => {
      for (const [index, { thread }] of expected.threads.entries()) {
        const loaded = await store.load(thread.id);
        const before = recorded.threads[index]?.thread.events ?? [];
        const counts = (usage: Record<string, unknown>) =>
          "promptTokens" in usage
            ? [usage.promptTokens, usage.completionTokens]
            : [usage.inputTokens, usage.outputTokens];
        for (const [at, event] of (loaded?.events ?? []).entries()) {
          const was = before[at]?.data as { usage?: Record<string, unknown> };
          if (!("usage" in event.data) || !event.data.usage) {
            expect(was.usage).toBeUndefined();
            continue;
          }
          expect(Object.keys(event.data.usage)).toEqual(
            expect.arrayContaining(["inputTokens", "outputTokens"]),
          );
          expect(event.data.usage).not.toHaveProperty("promptTokens");
          const { inputTokens, outputTokens } = event.data.usage;
          expect([inputTokens, outputTokens]).toEqual(counts(was.usage ?? {}));
        }
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

    const waiting = expected.threads.filter(({ summary }) => summary.status.startsWith("waiting"));
    it.each(waiting.map(({ thread }) => [thread.id, thread] as const))(
      "resumes %s: answered, then stepped to the end by today's runtime",
      async (_id, thread) => {
        // Prepare: a table of its own; a model that finishes with usage of today's shape
        const writable = await storeHolding(items);
        const usage = { inputTokens: 500, outputTokens: 20 };
        const sent: StepMessage[] = [];
        const agents = [calculator, createDeploybot()];
        const deps: RuntimeDeps = {
          agents: new Map(agents.map((agent) => [agent.name, agent])),
          store: writable,
          queue: { enqueue: async (message) => void sent.push(message) },
          notifier: { threadWaiting: async () => {} },
          model: new ScriptedModel([{ ...call("done_for_now", { message: "resumed" }), usage }]),
          clock: steppingClock("2026-12-01T00:00:00.000Z"),
          ids: { threadId: () => randomUUID() },
          threadLink: (id) => `https://twelve.example/threads/${id}`,
        };
        const pending = derivePending(thread.events);
        if (!pending) throw new Error(`${thread.id} waits for nothing`);

        // Act
        await respondToThread(
          deps,
          thread.id,
          pending.kind === "approval"
            ? { callId: pending.callId, approved: true }
            : { callId: pending.callId, response: "3 and 4" },
        );
        for (let message = sent.shift(); message; message = sent.shift()) {
          await processStep(deps, message);
        }

        // Assess: done, the recorded events unchanged before today's, every usage summed
        const done = await writable.load(thread.id);
        expect(done && deriveStatus(done.events)).toBe("done");
        expect(done?.events.slice(0, thread.events.length)).toEqual(thread.events);
        expect(done?.events.at(-1)).toMatchObject({ type: "done", data: { output: "resumed" } });
        const recordedUsage = deriveUsage(thread.events);
        expect(deriveUsage(done?.events ?? [])).toMatchObject({
          inputTokens: recordedUsage.inputTokens + usage.inputTokens,
          outputTokens: recordedUsage.outputTokens + usage.outputTokens,
        });
        // The thread's items: the recorded ones as they were, today's with their own version.
        const { Items = [] } = await DynamoDBDocumentClient.from(base).send(
          new QueryCommand({
            TableName: writable.tableName,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :evt)",
            ExpressionAttributeValues: { ":pk": `THREAD#${thread.id}`, ":evt": "EVT#" },
          }),
        );
        const versionsStored = Items.map((item) => item.schemaVersion ?? 1);
        const recordedVersion = expected.schemaVersion;
        expect(versionsStored.slice(0, thread.events.length)).toEqual(
          thread.events.map(() => recordedVersion),
        );
        expect(versionsStored.slice(thread.events.length)).toEqual(
          done?.events.slice(thread.events.length).map(() => SCHEMA_VERSION),
        );
      },
    );
  });
});
