import type { DynamoDBRecord } from "aws-lambda";
import { META_SK, THREAD_PREFIX } from "./keys.ts";

/**
 * What DynamoDB TTL's removal of a thread's meta item looks like on the table's stream: a
 * `REMOVE` whose `userIdentity` is the DynamoDB service (a person's or the store's own delete has
 * none), keyed `THREAD#<id>` / `META`. The reaper's event source mapping filters the stream with
 * this pattern (so it is invoked for nothing else), and the reaper checks each record against it
 * again.
 */
export const ttlMetaRemovalPattern = {
  eventName: ["REMOVE"],
  userIdentity: { type: ["Service"], principalId: ["dynamodb.amazonaws.com"] },
  dynamodb: { Keys: { sk: { S: [META_SK] }, pk: { S: [{ prefix: THREAD_PREFIX }] } } },
} as const;

/**
 * The thread whose meta item TTL removed, if `record` is such a removal; `undefined` for any
 * other stream record (a user delete, an event item, an insert or update).
 *
 * @example
 * threadOfTtlRemoval(record); // "thr_123"
 */
export function threadOfTtlRemoval(record: DynamoDBRecord): string | undefined {
  const { eventName, userIdentity, dynamodb } = record;
  if (eventName !== "REMOVE") return undefined;
  if (userIdentity?.type !== "Service") return undefined;
  if (userIdentity.principalId !== "dynamodb.amazonaws.com") return undefined;
  const pk = dynamodb?.Keys?.pk?.S;
  if (dynamodb?.Keys?.sk?.S !== META_SK || !pk?.startsWith(THREAD_PREFIX)) return undefined;
  const threadId = pk.slice(THREAD_PREFIX.length);
  return threadId === "" ? undefined : threadId;
}
