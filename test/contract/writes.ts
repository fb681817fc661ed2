import type { ThreadEvent } from "../../shared/core/events.ts";
import type { ThreadStore } from "../../shared/core/ports.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";

/** `store.create` with the head the core derives, as a launch or fork hands it over. */
export const createThread = (store: ThreadStore, thread: Thread, idempotencyKey?: string) =>
  store.create({
    thread,
    head: deriveHead(thread.events),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });

/** `store.append` with the head the core derives for `read` + `events`. */
export const appendEvents = (store: ThreadStore, read: Thread, events: readonly ThreadEvent[]) =>
  store.append(read, events, deriveHead([...read.events, ...events]));
