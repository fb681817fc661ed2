import type { ThreadStore, ThreadSummary } from "../core/ports.ts";
import type { Status } from "../core/thread.ts";

/**
 * Every thread in `status`, page by page of the store's listing (heads only, eventually
 * consistent), as one stream.
 *
 * @example
 * for await (const summary of threadsIn(store, "waiting_for_approval")) console.log(summary.threadId);
 */
export async function* threadsIn(
  store: Pick<ThreadStore, "list">,
  status: Status,
): AsyncGenerator<ThreadSummary> {
  let cursor: string | undefined;
  do {
    const page = await store.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
    yield* page.threads;
    cursor = page.next;
  } while (cursor);
}
