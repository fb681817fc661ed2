import type { PayloadStore } from "./payload-store.ts";

/**
 * A `PayloadStore` built on its first use. Most steps never write or read event data too large
 * for an item, so a function loads the S3 client (the largest AWS client it bundles) only when
 * one does, not at every cold start.
 *
 * @example
 * const payloads = lazyPayloadStore(async () => {
 *   const { S3PayloadStore } = await import("./payload-store.ts");
 *   return new S3PayloadStore({ bucket });
 * });
 */
export function lazyPayloadStore(load: () => Promise<PayloadStore>): PayloadStore {
  let store: Promise<PayloadStore> | undefined;
  const ready = () => {
    store ??= load();
    return store;
  };
  return {
    put: async (key, body) => (await ready()).put(key, body),
    get: async (key) => (await ready()).get(key),
    deleteAll: async (prefix) => (await ready()).deleteAll(prefix),
    linkTo: async (key, expiresInSeconds) => (await ready()).linkTo(key, expiresInSeconds),
  };
}
