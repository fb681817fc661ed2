import { describe, expect, it } from "vitest";
import { lazyPayloadStore } from "../../shared/aws/s3/lazy-payload-store.ts";
import type { PayloadStore } from "../../shared/aws/s3/payload-store.ts";

/** A payload store in memory that counts how often it was built. */
function counted() {
  const built = { times: 0 };
  const objects = new Map<string, string>();
  const load = async (): Promise<PayloadStore> => {
    built.times++;
    return {
      put: async (key, body) => void objects.set(key, body),
      get: async (key) => objects.get(key),
      deleteAll: async (prefix) => {
        const keys = [...objects.keys()].filter((key) => key.startsWith(prefix));
        for (const key of keys) objects.delete(key);
        return keys.length;
      },
      linkTo: async (key, seconds) => `https://payloads.example/${key}?expires=${seconds}`,
    };
  };
  return { built, load };
}

describe("lazyPayloadStore", () => {
  it("builds the store on first use only, once, and hands every call to it", async () => {
    const { built, load } = counted();
    const store = lazyPayloadStore(load);
    expect(built.times).toBe(0);

    await store.put("threads/t1/a.json", '{"a":1}');
    await store.put("threads/t1/b.json", '{"b":2}');

    expect(await store.get("threads/t1/a.json")).toBe('{"a":1}');
    expect(await store.get("threads/t2/a.json")).toBeUndefined();
    expect(await store.linkTo("threads/t1/a.json", 60)).toBe(
      "https://payloads.example/threads/t1/a.json?expires=60",
    );
    expect(await store.deleteAll("threads/t1/")).toBe(2);
    expect(built.times).toBe(1);
  });

  it("builds it once when the first calls come together", async () => {
    const { built, load } = counted();
    const store = lazyPayloadStore(load);
    await Promise.all([store.get("a"), store.get("b"), store.put("c", "{}")]);
    expect(built.times).toBe(1);
  });
});
