import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DynamoThreadStore } from "../../shared/aws/dynamo/dynamo-thread-store.ts";
import { EventTooLargeError } from "../../shared/aws/dynamo/errors.ts";
import { appendTransactItems, eventItem, readEvent } from "../../shared/aws/dynamo/items.ts";
import {
  DEFAULT_PAYLOAD_THRESHOLD_BYTES,
  type PayloadPolicy,
  payloadKey,
  payloadPrefix,
  prepareData,
  restorePayloads,
  writeObjects,
} from "../../shared/aws/dynamo/payloads.ts";
import type { PayloadStore } from "../../shared/aws/s3/payload-store.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";

/** A payload store in a Map: the S3 adapter is tested against fauxqs in the integration tier. */
function memoryPayloads() {
  const objects = new Map<string, string>();
  const store: PayloadStore = {
    put: async (key, body) => void objects.set(key, body),
    get: async (key) => objects.get(key),
    deleteAll: async (prefix) => {
      const keys = [...objects.keys()].filter((key) => key.startsWith(prefix));
      for (const key of keys) objects.delete(key);
      return keys.length;
    },
    linkTo: async (key) => `https://payloads.example/${key}`,
  };
  return { objects, store };
}

const at = "2026-01-05T09:00:00.000Z";
const result = (size: number): ThreadEvent => ({
  type: "tool_result",
  at,
  data: { callId: "call_1", tool: "fetch_page", result: "é".repeat(size / 2) },
});
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("Payloads: event data too large for an item", () => {
  describe("Function: prepareData", () => {
    it("keeps data up to the threshold inline, as its JSON text", () => {
      // Prepare
      const { store } = memoryPayloads();
      const event = result(1000);

      // Act
      const prepared = prepareData("thr_1", 3, event, { payloads: store, thresholdBytes: 32_768 });

      // Assess
      expect(prepared).toEqual({ stored: { dataJson: JSON.stringify(event.data) } });
    });

    it("points past the threshold to an object under the thread's prefix, with bytes and hash", () => {
      // Prepare
      const { store } = memoryPayloads();
      const event = result(1_000_000);
      const text = JSON.stringify(event.data);

      // Act
      const prepared = prepareData("thr_1", 3, event, {
        payloads: store,
        thresholdBytes: DEFAULT_PAYLOAD_THRESHOLD_BYTES,
      });

      // Assess
      const key = `threads/thr_1/EVT-0000000003-${sha256(text)}.json`;
      expect(prepared).toEqual({
        stored: {
          dataRef: {
            key,
            bytes: Buffer.byteLength(text),
            sha256: sha256(text),
            // What identifies the event if its object is ever lost.
            kept: '{"callId":"call_1","tool":"fetch_page"}',
          },
        },
        object: { key, body: text },
      });
      // UTF-8 bytes, not characters: "é" takes two.
      expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
      expect(key.startsWith(payloadPrefix("thr_1"))).toBe(true);
    });

    it("fails an event over 400 KB without a payload store, naming the event and its size", () => {
      // Prepare
      const policy: PayloadPolicy = { payloads: undefined, thresholdBytes: 32_768 };

      // Act
      const act = () => prepareData("thr_1", 3, result(500_000), policy);

      // Assess
      expect(act).toThrow(EventTooLargeError);
      expect(act).toThrow(
        /event 4 \(tool_result\) of thread thr_1 takes \d+ bytes, over the 409600/,
      );
      // Just under the limit still fits an item.
      expect(prepareData("thr_1", 3, result(400_000), policy).object).toBeUndefined();
    });

    it("gives every thread its own prefix, whatever its id holds", () => {
      expect(payloadPrefix("a")).toBe("threads/a/");
      expect(payloadKey("a/b", 0, "ff").startsWith(payloadPrefix("a"))).toBe(false);
    });
  });

  describe("Function: eventItem and appendTransactItems", () => {
    it("write the pointer in place of dataJson, and nothing of the data", () => {
      // Prepare
      const { store } = memoryPayloads();
      const event = result(100_000);
      const prepared = prepareData("thr_1", 0, event, { payloads: store, thresholdBytes: 32_768 });

      // Act
      const item = eventItem("THREAD#thr_1", 0, event, prepared.stored);
      const [, put] = appendTransactItems({
        tableName: "threads",
        threadId: "thr_1",
        agent: "a",
        expected: 0,
        events: [event],
        head: { status: "running", updatedAt: at },
        expiresAt: 1,
        stored: [prepared.stored],
      });

      // Assess
      expect(item.dataJson).toBeUndefined();
      expect("dataRef" in prepared.stored && item.dataRef).toEqual(
        "dataRef" in prepared.stored && prepared.stored.dataRef,
      );
      expect(item.dataRef).toBeDefined();
      expect(put?.Put?.Item).toEqual(item);
      expect(JSON.stringify(item).length).toBeLessThan(600);
    });
  });

  describe("Function: restorePayloads", () => {
    const policyWith = (store: PayloadStore): PayloadPolicy => ({
      payloads: store,
      thresholdBytes: 32_768,
    });

    it("reads the data back, and readEvent returns the event as it was", async () => {
      // Prepare
      const { store } = memoryPayloads();
      const event = result(1_000_000);
      const prepared = prepareData("thr_1", 0, event, policyWith(store));
      await writeObjects(store, [prepared]);
      const item = eventItem("THREAD#thr_1", 0, event, prepared.stored);

      // Act
      const [restored] = await restorePayloads([item], store);

      // Assess
      expect(readEvent("thr_1", "EVT#0000000000", restored ?? {})).toEqual(event);
    });

    it("leaves inline items alone and needs no payload store for them", async () => {
      const item = eventItem("THREAD#thr_1", 0, result(10));
      expect(await restorePayloads([item], undefined)).toEqual([item]);
    });

    it("reads an event whose object is missing as its data missing, keeping its callId and tool", async () => {
      // Prepare
      const { store, objects } = memoryPayloads();
      const event = result(100_000);
      const prepared = prepareData("thr_1", 2, event, policyWith(store));
      await writeObjects(store, [prepared]);
      objects.clear();
      const heard: string[] = [];

      // Act
      const [restored] = await restorePayloads(
        [eventItem("P", 2, event, prepared.stored)],
        store,
        (sk, reason) => heard.push(`${sk}: ${reason}`),
      );

      // Assess
      expect(readEvent("thr_1", "EVT#0000000002", restored ?? {})).toEqual({
        type: "tool_result",
        at,
        data: {
          callId: "call_1",
          tool: "fetch_page",
          result: {
            error: expect.stringMatching(/^data missing: its object threads\/.* does not exist$/),
          },
        },
      });
      expect(heard).toEqual([
        expect.stringMatching(/^EVT#0000000002: its object .* does not exist$/),
      ]);
    });

    it("reads an object whose bytes do not match the hash as missing data", async () => {
      // Prepare
      const { store, objects } = memoryPayloads();
      const event = result(100_000);
      const prepared = prepareData("thr_1", 0, event, policyWith(store));
      await writeObjects(store, [prepared]);
      const key = prepared.object?.key ?? "";
      // Same length, one character changed.
      objects.set(key, (objects.get(key) ?? "").replace("fetch_page", "fetch_pagf"));

      // Act
      const [restored] = await restorePayloads([eventItem("P", 0, event, prepared.stored)], store);

      // Assess
      expect(JSON.stringify(readEvent("thr_1", "EVT#0000000000", restored ?? {}).data)).toMatch(
        /do not match the item's \d+ bytes and SHA-256/,
      );
    });

    it("reads an item of older code (nothing kept) as a valid event of its type", async () => {
      const pointer = { dataRef: { key: "k", bytes: 1, sha256: "x" } };
      for (const type of [
        "tool_call",
        "approval_decision",
        "human_input_requested",
        "compaction",
      ]) {
        const item = { ...eventItem("P", 0, result(10), pointer), type };
        const [restored] = await restorePayloads([item], undefined);
        expect(readEvent("thr_1", "EVT#0000000000", restored ?? {})).toMatchObject({ type });
      }
      const [restored] = await restorePayloads([eventItem("P", 0, result(10), pointer)], undefined);
      expect(readEvent("thr_1", "EVT#0000000000", restored ?? {}).data).toMatchObject({
        result: { error: expect.stringMatching(/no payload bucket configured \(PAYLOAD_BUCKET\)/) },
      });
    });
  });

  describe("Option: payloadThresholdBytes", () => {
    it("takes 1 to 350,000 bytes, and refuses anything else by name", () => {
      for (const bad of [0, -1, 1.5, 350_001, Number.NaN]) {
        expect(() => new DynamoThreadStore({ tableName: "t", payloadThresholdBytes: bad })).toThrow(
          ConfigError,
        );
      }
      expect(() => new DynamoThreadStore({ tableName: "t", payloadThresholdBytes: 0 })).toThrow(
        /payloadThresholdBytes must be a whole number of bytes from 1 to 350000, got 0/,
      );
      expect(
        new DynamoThreadStore({ tableName: "t", payloadThresholdBytes: 350_000 }),
      ).toBeDefined();
    });
  });
});
