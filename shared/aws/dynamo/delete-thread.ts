import { VersionConflictError } from "../../core/errors.ts";
import { TRANSACTION_ITEMS } from "./create-thread.ts";
import { EVENT_PREFIX, IDEMPOTENCY_SK, idempotencyPk, META_SK, threadPk } from "./keys.ts";
import { payloadPrefix } from "./payloads.ts";
import { keysOf, type StoreTable } from "./store-table.ts";
import { cancellationCodes, transactWrite } from "./transactions.ts";

const DELETE_BATCH = TRANSACTION_ITEMS;
/** Deletes that lose the race with an append before it is a `VersionConflictError`. */
const DELETE_ATTEMPTS = 4;

/**
 * Removes every item of the thread: its meta item, its launch's idempotency item and its
 * events, then its objects in the payload bucket (every key under its prefix, orphans of lost
 * appends too). `false` when there was no thread (any events and objects a crashed delete left
 * are removed then).
 *
 * The meta item goes first, with the idempotency item, in one transaction conditional on the
 * version read: from that moment the thread is gone for `load`, `list` and `readEvents`, an
 * append fails its version condition, and the key is free. The events follow in transactions
 * of at most 100 items. A crash in between leaves only event items nobody can reach (a retried
 * delete removes them; they carry no TTL). Meta last would instead leave a readable thread
 * with holes (a `CorruptThreadError`) that could still be appended to.
 *
 * @example
 * if (!(await store.delete(threadId))) throw new ThreadNotFoundError(threadId);
 */
export async function deleteThread(table: StoreTable, threadId: string): Promise<boolean> {
  const pk = threadPk(threadId);
  for (let attempt = 1; ; attempt++) {
    const items = await keysOf(table, threadId);
    const meta = items.find((item) => item.sk === META_SK);
    const events = items.filter((item) => String(item.sk).startsWith(EVENT_PREFIX));
    if (meta) {
      const key = typeof meta.idempotencyKey === "string" ? meta.idempotencyKey : undefined;
      try {
        await transactWrite(table.client, {
          TransactItems: [
            {
              Delete: {
                TableName: table.tableName,
                Key: { pk, sk: META_SK },
                // An append that committed since our read added events we have not listed.
                ConditionExpression: "#version = :version",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":version": meta.version },
              },
            },
            ...(key === undefined
              ? []
              : [
                  {
                    Delete: {
                      TableName: table.tableName,
                      Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
                    },
                  },
                ]),
          ],
        });
      } catch (error) {
        const lost = cancellationCodes(error)?.[0] === "ConditionalCheckFailed";
        if (lost && attempt < DELETE_ATTEMPTS) continue;
        if (lost) throw new VersionConflictError(threadId, Number(meta.version), { cause: error });
        throw error;
      }
    }
    for (let from = 0; from < events.length; from += DELETE_BATCH) {
      await transactWrite(table.client, {
        TransactItems: events.slice(from, from + DELETE_BATCH).map((item) => ({
          Delete: { TableName: table.tableName, Key: { pk, sk: item.sk } },
        })),
      });
    }
    // The objects go last, once no item points to them (orphans of lost appends among them).
    await table.payloads.payloads?.deleteAll(payloadPrefix(threadId));
    return meta !== undefined;
  }
}
