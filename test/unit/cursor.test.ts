import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, KEY_BYTES } from "../../shared/aws/dynamo/cursor.ts";
import { InvalidCursorError } from "../../shared/core/errors.ts";

const attributes = ["pk", "sk", "gsi1pk", "gsi1sk"];
const good = { pk: "THREAD#t1", sk: "META", gsi1pk: "STATUS#done", gsi1sk: "2026-12-01T00:00:00Z" };
const sameListing = (key: Record<string, string>) =>
  key.gsi1pk === "STATUS#done" ? undefined : "it belongs to another listing";
const decode = (key: Record<string, unknown>) =>
  decodeCursor(encodeCursor(key), attributes, sameListing);

describe("Function: decodeCursor", () => {
  it("gives back the key a page handed out", () => {
    expect(decode(good)).toEqual(good);
  });

  it("refuses an empty key value, which DynamoDB would refuse (a 500 before)", () => {
    for (const name of attributes) {
      expect(() => decode({ ...good, [name]: "" }), name).toThrow(InvalidCursorError);
    }
    expect(() => decode({ ...good, pk: "" })).toThrow(/key pk must hold 1 to 2048 bytes/);
  });

  it("holds partition keys to 2048 bytes and sort keys to 1024, counted in UTF-8", () => {
    expect(KEY_BYTES).toEqual({ partition: { min: 1, max: 2048 }, sort: { min: 1, max: 1024 } });
    expect(decode({ ...good, pk: "p".repeat(2048), sk: "é".repeat(512) })).toMatchObject({
      pk: "p".repeat(2048),
    });
    expect(() => decode({ ...good, pk: "p".repeat(2049) })).toThrow(InvalidCursorError);
    expect(() => decode({ ...good, sk: "é".repeat(513) })).toThrow(/key sk must hold 1 to 1024/);
    expect(() => decode({ ...good, gsi1sk: "s".repeat(1025) })).toThrow(InvalidCursorError);
  });

  it("refuses a lone surrogate, a value that is not a string, a missing or an extra key", () => {
    expect(() => decode({ ...good, sk: "\ud800" })).toThrow(/not valid Unicode/);
    expect(() => decode({ ...good, sk: 7 })).toThrow(InvalidCursorError);
    const { sk: _, ...missing } = good;
    expect(() => decode(missing)).toThrow(InvalidCursorError);
    expect(() => decode({ ...good, extra: "x" })).toThrow(InvalidCursorError);
  });

  it("refuses a well-formed key of another listing", () => {
    expect(() => decode({ ...good, gsi1pk: "STATUS#failed" })).toThrow(/another listing/);
  });
});
