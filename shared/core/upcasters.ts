/**
 * Upcasters: how an event stored at an older schema version becomes an event of today's shape.
 * Each is a pure function for one version step (`N` to `N + 1`) on the stored event as plain
 * JSON (`type`, `at`, `by`, `data`); a store applies the steps from the version an event was
 * stored at up to `EVENT_SCHEMA_VERSION` on load (`upcast`), before the event schema validates
 * the result. Stored events are never rewritten: an old thread stays old on disk and reads as new.
 *
 * To change the shape of an event: bump `EVENT_SCHEMA_VERSION`, add the step from the previous
 * version here, and record the new version of the corpus (`test/fixtures/thread-items/`).
 */

/**
 * The version of the events' shape (events.ts). Every store records the version each event was
 * written at and reads it back through the upcasters; the DynamoDB store's items carry it as
 * `schemaVersion` (items.ts), which also versions their layout.
 *
 * - 1: the first shape.
 * - 2: token usage is `{ inputTokens, outputTokens }` (was `{ promptTokens, completionTokens }`).
 */
export const EVENT_SCHEMA_VERSION = 2;

/** An event as stored, before validation: what an upcaster takes and returns. */
export interface StoredEvent {
  type: unknown;
  at: unknown;
  by?: unknown;
  data: unknown;
}

/** One version step: the event of version `N` as an event of version `N + 1`. */
export type Upcaster = (event: StoredEvent) => StoredEvent;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * v1 to v2: token usage (on `tool_call` and `error` data) is named as the OpenTelemetry GenAI
 * semantic conventions name it (`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`):
 * `{ promptTokens, completionTokens }` becomes `{ inputTokens, outputTokens }`.
 *
 * @example
 * usageTokensRenamed({ type: "error", at, data: { code, message, usage: { promptTokens: 5, completionTokens: 1 } } });
 * // data.usage: { inputTokens: 5, outputTokens: 1 }
 */
export const usageTokensRenamed: Upcaster = (event) => {
  if (event.type !== "tool_call" && event.type !== "error") return event;
  if (!isRecord(event.data) || !isRecord(event.data.usage)) return event;
  const { promptTokens, completionTokens, ...rest } = event.data.usage;
  const usage = { inputTokens: promptTokens, outputTokens: completionTokens, ...rest };
  return { ...event, data: { ...event.data, usage } };
};

/** The step from version `N` (the key) to `N + 1`, for every version before the current one. */
export const upcasters: Readonly<Record<number, Upcaster>> = {
  1: usageTokensRenamed,
};

/**
 * `event`, stored at `from`, brought to version `to` one step at a time. Throws when a step is
 * missing (a version this code does not know how to read).
 *
 * @example
 * upcast(raw, 1, EVENT_SCHEMA_VERSION);
 */
export function upcast(event: StoredEvent, from: number, to: number): StoredEvent {
  let current = event;
  for (let version = from; version < to; version++) {
    const step = upcasters[version];
    if (!step) throw new Error(`no upcaster from schema version ${version} to ${version + 1}`);
    current = step(current);
  }
  return current;
}
