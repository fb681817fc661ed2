import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemSize } from "./dynamo-size.ts";

/** What the metered DynamoDB client read and wrote since it was last reset. */
export interface DynamoUsage {
  /** GetItem and Query requests. */
  reads: number;
  /** Items those reads returned. */
  readItems: number;
  /** Their size, the way DynamoDB bills it (`itemSize`). */
  readBytes: number;
  /** Read units DynamoDB reported (`ReturnConsumedCapacity: TOTAL`). */
  readUnits: number;
  /**
   * Read units by the documented rules, from `readBytes`: a consistent GetItem is 1 unit per
   * 4 KB of its item, a consistent Query 1 unit per 4 KB of its items summed; each at least 1.
   */
  ruleReadUnits: number;
  /** Write requests (TransactWriteItems, PutItem, UpdateItem, DeleteItem). */
  writes: number;
  /** Write units DynamoDB reported, the table's and its indexes'. */
  writeUnits: number;
}

const READS = new Set(["GetItemCommand", "QueryCommand"]);
const WRITES = new Set([
  "TransactWriteItemsCommand",
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
]);
const READ_UNIT_BYTES = 4096;

const empty = (): DynamoUsage => ({
  reads: 0,
  readItems: 0,
  readBytes: 0,
  readUnits: 0,
  ruleReadUnits: 0,
  writes: 0,
  writeUnits: 0,
});

/**
 * Meters a document client on the wire: a middleware asks DynamoDB for the consumed capacity of
 * every read and write and adds up what came back (the items as the document client returns
 * them, sized by `itemSize`). The client works as before; `take()` returns the usage since the
 * last `take()`.
 *
 * @example
 * const meter = meterDynamo(client);
 * await store.load(threadId);
 * const { readBytes, readUnits } = meter.take();
 */
export function meterDynamo(client: DynamoDBDocumentClient): { take(): DynamoUsage } {
  let usage = empty();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const read = READS.has(command);
      if (!read && !WRITES.has(command)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string; ConsistentRead?: boolean };
      input.ReturnConsumedCapacity = "TOTAL";
      const result = await next(args);
      const output = result.output as {
        Item?: Record<string, unknown>;
        Items?: Record<string, unknown>[];
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const consumed = [output.ConsumedCapacity ?? []]
        .flat()
        .reduce((sum, capacity) => sum + (capacity.CapacityUnits ?? 0), 0);
      if (read) {
        const items = output.Items ?? (output.Item ? [output.Item] : []);
        const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
        const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
        usage.reads++;
        usage.readItems += items.length;
        usage.readBytes += bytes;
        usage.readUnits += consumed;
        usage.ruleReadUnits += input.ConsistentRead ? units : units / 2;
      } else {
        usage.writes++;
        usage.writeUnits += consumed;
      }
      return result;
    },
    // Outside the document client's marshalling: items as plain values, as `itemSize` takes them.
    { step: "initialize", priority: "high", name: "twelveDynamoMeter" },
  );
  return {
    take() {
      const taken = usage;
      usage = empty();
      return taken;
    },
  };
}

/**
 * Counts an SQS client's requests (each a billed request: the messages here are far below
 * 64 KB); `take()` returns the count since the last `take()`.
 */
export function meterSqs(client: SQSClient): { take(): number } {
  let requests = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: "initialize", priority: "high", name: "twelveSqsMeter" },
  );
  return {
    take() {
      const taken = requests;
      requests = 0;
      return taken;
    },
  };
}
