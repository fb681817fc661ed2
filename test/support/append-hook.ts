import type { ThreadStore } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";

/**
 * `store`, with `before` run ahead of every append (given the thread as the step read it): to
 * kill an invocation before it saves (throw), or to act as a person between a step's read and
 * its write.
 */
export function beforeAppend(
  store: ThreadStore,
  before: (read: Thread) => void | Promise<void>,
): ThreadStore {
  return {
    create: (input) => store.create(input),
    load: (threadId) => store.load(threadId),
    list: (query) => store.list(query),
    readEvents: (threadId, query) => store.readEvents(threadId, query),
    delete: (threadId) => store.delete(threadId),
    queueMessage: (read, message) => store.queueMessage(read, message),
    append: async (read, events, head) => {
      await before(read);
      return store.append(read, events, head);
    },
  };
}
