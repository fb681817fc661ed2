import type { Status } from "../../core/thread.ts";

/**
 * How items are keyed in the single thread table. A thread is one item collection under
 * `THREAD#<id>`: its `META` item and one `EVT#<index>` item per event, so an append writes only the
 * new events and the meta item, whatever the thread's length.
 */

export const THREAD_PREFIX = "THREAD#";
export const META_SK = "META";
export const EVENT_PREFIX = "EVT#";
export const IDEMPOTENCY_SK = "IDEMPOTENCY";

/** Zero-padded so the sort key orders events by index (and every `EVT#` sorts before `META`). */
const INDEX_DIGITS = 10;

export const threadPk = (threadId: string): string => `${THREAD_PREFIX}${threadId}`;

export const eventSk = (index: number): string =>
  `${EVENT_PREFIX}${String(index).padStart(INDEX_DIGITS, "0")}`;

export const idempotencyPk = (key: string): string => `IDEMPOTENCY#${key}`;

export const statusPk = (status: Status): string => `STATUS#${status}`;

export const agentPk = (agent: string): string => `AGENT#${agent}`;

/**
 * Index sort keys use the canonical ISO form of the time (always milliseconds and `Z`), so that
 * `…:00Z` and `…:00.500Z` still sort by time; the item keeps the event's own `at` as `updatedAt`.
 */
const sortableTime = (at: string): string => new Date(at).toISOString();

/** The index keys of a thread's meta item: they move with its status and last event. */
export function indexKeys(input: {
  threadId: string;
  agent: string;
  status: Status;
  updatedAt: string;
}) {
  const { threadId, agent, status, updatedAt } = input;
  const time = sortableTime(updatedAt);
  return {
    gsi1pk: statusPk(status),
    gsi1sk: `${time}#${threadId}`,
    gsi2pk: agentPk(agent),
    gsi2sk: `${status}#${time}#${threadId}`,
  };
}
