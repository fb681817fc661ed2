import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { ThreadNotFoundError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { deleteThread } from "../../shared/runtime/delete-thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { HttpError, json } from "./http.ts";
import { parse } from "./request.ts";
import { queryInteger, threadId } from "./schemas.ts";

/**
 * The store-facing thread routes: `DELETE /threads/{id}`, `GET /threads/{id}/events`,
 * `GET /threads/{id}/events/{version}/data` and the cap on the events `GET /threads/{id}` returns.
 */

/**
 * Lambda answers at most 6 MB, and the body travels inside the function's JSON result, where
 * every quote and backslash is escaped again (up to twice the bytes). 2.5 MB of events stays
 * under the limit even then, with room for the rest of the answer.
 */
export const EVENT_BYTES_BUDGET = 2_500_000;

/**
 * `GET /threads/{id}` shows at most the last 200 events: enough for a console or a person to see
 * what a thread is doing now (a launch with its step cap of tool rounds, its pauses and answers),
 * and at the 30 KB or so a large tool result takes no more than `EVENT_BYTES_BUDGET` holds. Older
 * events are paged through `GET /threads/{id}/events`.
 */
export const MAX_THREAD_EVENTS = 200;

/** The most events one `GET /threads/{id}/events` page holds (and its default). */
export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_EVENTS_PAGE = 100;

/** `GET /threads/{id}/events?after=N&limit=M`. */
export const eventsQuery = z.strictObject({
  after: queryInteger(0, 999_999_999).default(0),
  limit: queryInteger(1, MAX_EVENTS_PAGE).default(DEFAULT_EVENTS_PAGE),
});

/**
 * An event too large for an answer (its JSON over `EVENT_BYTES_BUDGET`): shown without its
 * `data`, with `dataLink`, the route that serves the data (`dataRoute`), and `dataBytes`.
 */
export interface LinkedEvent {
  type: ThreadEvent["type"];
  at: string;
  by?: ThreadEvent["by"];
  dataLink: string;
  /** The length of the data's JSON text, in UTF-8 bytes. */
  dataBytes: number;
}

/** An event as an answer shows it: whole, or linked when it alone would pass the budget. */
export type ShownEvent = ThreadEvent | LinkedEvent;

/** An event with its version: its 1-based place in the thread. */
export type VersionedEvent = ShownEvent & { version: number };

/** The path of the route serving the data of the event at `version`. */
export const dataPath = (threadId: string, version: number): string =>
  `/threads/${encodeURIComponent(threadId)}/events/${version}/data`;

/** `event` whole, or linked when its JSON alone passes `EVENT_BYTES_BUDGET`. */
function shown(threadId: string, event: ThreadEvent, version: number): ShownEvent {
  if (sizeOf(event) <= EVENT_BYTES_BUDGET) return event;
  return {
    type: event.type,
    at: event.at,
    ...(event.by ? { by: event.by } : {}),
    dataLink: dataPath(threadId, version),
    dataBytes: Buffer.byteLength(JSON.stringify(event.data)),
  };
}

/**
 * The events of `GET /threads/{id}`: all of a short thread; of a long one the last
 * `MAX_THREAD_EVENTS` (fewer if they pass `EVENT_BYTES_BUDGET`), with `eventsFrom`, the version
 * of the first one shown, and `olderEvents`, where the rest are paged. An event that alone
 * passes the budget is linked (`LinkedEvent`).
 */
export function cappedEvents(thread: Thread): {
  events: readonly ShownEvent[];
  eventsFrom?: number;
  olderEvents?: string;
} {
  const { events } = thread;
  const first = Math.max(0, events.length - MAX_THREAD_EVENTS);
  const tail = events
    .slice(first)
    .map((event, offset) => shown(thread.id, event, first + offset + 1));
  const kept = fromTheEnd(tail);
  if (kept.length === events.length) return { events: kept };
  const eventsFrom = events.length - kept.length + 1;
  return {
    events: kept,
    eventsFrom,
    olderEvents: `/threads/${encodeURIComponent(thread.id)}/events?after=0`,
  };
}

/** `DELETE /threads/{id}`: 204, or 404 for a thread that does not exist. */
export async function deleteThreadRoute(
  deps: RuntimeDeps,
  rawId: string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const id = checkedId(rawId);
  // A parent takes the child threads its agent tools launched with it; a child ends the call of
  // the parent that waits for it.
  if (!(await deleteThread(deps, id))) throw new ThreadNotFoundError(id);
  return { statusCode: 204, headers: {}, body: "" };
}

/**
 * `GET /threads/{id}/events?after=N&limit=M`: the events after version N (at most M, fewer when
 * they pass `EVENT_BYTES_BUDGET`), each with its version, the thread's version, and `next` (the
 * `after` of the following page) while more remain.
 */
export async function eventsRoute(
  deps: RuntimeDeps,
  rawId: string | undefined,
  rawQuery: Record<string, string | undefined>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const id = checkedId(rawId);
  const { after, limit } = parse(eventsQuery, rawQuery, "invalid_query", "query");
  const page = await deps.store.readEvents(id, { after, limit });
  if (!page) throw new ThreadNotFoundError(id);
  const events = fromTheStart(
    page.events.map((event, offset) => shown(id, event, after + offset + 1)),
  ).map((event, offset): VersionedEvent => ({ ...event, version: after + offset + 1 }));
  const reached = after + events.length;
  return json(200, {
    events,
    version: page.version,
    ...(reached < page.version ? { next: reached } : {}),
  });
}

/** A redirect names a presigned link that expires: no cache keeps it. */
const NO_STORE = { "cache-control": "no-store" };

const dataVersion = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, "path parameter version: expected a positive integer")
  .transform(Number);

/**
 * `GET /threads/{id}/events/{version}/data`: the event's data, whole. Data the store keeps in S3
 * is a `307` to a presigned URL of its object (15 minutes; S3 serves it, so no Lambda answer
 * cap applies, and the bearer key is not sent on: a client drops `Authorization` on a redirect to
 * another origin); data held in its item is a `200` with the data as the JSON body. 404 for no
 * thread, 400 `invalid_version` for a version the thread does not have.
 */
export async function dataRoute(
  deps: RuntimeDeps,
  rawId: string | undefined,
  rawVersion: string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const id = checkedId(rawId);
  const parsed = dataVersion.safeParse(rawVersion);
  if (!parsed.success) {
    throw new HttpError("invalid_version", parsed.error.issues[0]?.message ?? "invalid version");
  }
  const version = parsed.data;
  const link = await deps.dataLinks?.dataLink(id, version);
  if (link) return json(307, { location: link }, { location: link, ...NO_STORE });
  const page = await deps.store.readEvents(id, { after: version - 1, limit: 1 });
  if (!page) throw new ThreadNotFoundError(id);
  const [event] = page.events;
  if (!event) {
    throw new HttpError(
      "invalid_version",
      `path parameter version: thread ${id} has events 1 to ${page.version}, not ${version}`,
    );
  }
  return json(200, event.data);
}

const sizeOf = (event: ShownEvent): number => Buffer.byteLength(JSON.stringify(event));

/** The longest tail of `events` within the budget (at least one event). */
function fromTheEnd(events: readonly ShownEvent[]): readonly ShownEvent[] {
  let bytes = 0;
  let start = events.length;
  while (start > 0) {
    bytes += sizeOf(events[start - 1] as ShownEvent);
    if (bytes > EVENT_BYTES_BUDGET && start < events.length) break;
    start--;
  }
  return events.slice(start);
}

/** The longest head of `events` within the budget (at least one event, so paging moves on). */
function fromTheStart(events: readonly ShownEvent[]): readonly ShownEvent[] {
  let bytes = 0;
  let end = 0;
  while (end < events.length) {
    bytes += sizeOf(events[end] as ShownEvent);
    if (bytes > EVENT_BYTES_BUDGET && end > 0) break;
    end++;
  }
  return events.slice(0, end);
}

function checkedId(raw: string | undefined): string {
  const result = threadId.safeParse(raw);
  // An id this API could never have handed out names no thread: 404, like any unknown id.
  if (!result.success) throw new ThreadNotFoundError(String(raw).slice(0, 128));
  return result.data;
}
