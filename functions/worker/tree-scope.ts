import { AsyncLocalStorage } from "node:async_hooks";
import type { ThreadStore } from "../../shared/core/ports.ts";
import { type TreeKeys, treeKeys } from "../../shared/core/sub-agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";

/**
 * The tree keys of the step message in scope, for the worker's log lines and its observer's step
 * span (the one place they are taken): `rootThreadId` and, for a child, `parentThreadId` (and
 * `parentTraceId`, the trace of the step that launched it, when that one was traced), so a
 * search of the logs or the traces by a root finds the steps of its whole tree.
 * The keys are filled when the step reads its thread (the store is decorated once); a scope per
 * message keeps steps that run at once (the local stack) apart, where `logger.appendKeys` would
 * mix them.
 *
 * @example
 * const trees = treeScope();
 * const deps = trees.observe(runtimeDeps);
 * await trees.run(message.threadId, async (keys) => {
 *   await processStep(deps, message);
 *   logger.info("step message processed", { ...message, ...keys });
 * });
 */
export function treeScope() {
  const scope = new AsyncLocalStorage<{ threadId: string; keys: Partial<TreeKeys> }>();
  return {
    /**
     * `deps` whose store notes the tree of the thread the message in scope steps. A live view (as
     * `withThreadCache`'s): every other dependency, and a store replaced later, is read through.
     */
    observe(deps: RuntimeDeps): RuntimeDeps {
      let base: ThreadStore | undefined;
      let noting: ThreadStore | undefined;
      const notingStore = (store: ThreadStore): ThreadStore => ({
        create: (input) => store.create(input),
        load: async (threadId) => {
          const thread = await store.load(threadId);
          const current = scope.getStore();
          if (thread && current?.threadId === thread.id && !current.keys.rootThreadId) {
            Object.assign(current.keys, treeKeys(thread));
          }
          return thread;
        },
        append: (read, events, head) => store.append(read, events, head),
        queueMessage: (read, message) => store.queueMessage(read, message),
        list: (query) => store.list(query),
        readEvents: (threadId, query) => store.readEvents(threadId, query),
        delete: (threadId) => store.delete(threadId),
      });
      return new Proxy(deps, {
        get(target, key, receiver) {
          if (key !== "store") return Reflect.get(target, key, receiver);
          if (target.store !== base || !noting) {
            base = target.store;
            noting = notingStore(base);
          }
          return noting;
        },
      });
    },
    /** Runs `work` with the keys of `threadId`'s step in scope (empty until it is read). */
    run<T>(threadId: string, work: (keys: Partial<TreeKeys>) => Promise<T>): Promise<T> {
      const keys: Partial<TreeKeys> = {};
      return scope.run({ threadId, keys }, () => work(keys));
    },
  };
}
