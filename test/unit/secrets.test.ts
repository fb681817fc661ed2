import { describe, expect, it } from "vitest";
import { secretsEqual } from "../../functions/secrets.ts";

const KEY = "k3y-0f-at-least-sixteen-characters";

describe("Function: secretsEqual", () => {
  it("holds for the very same secret", () => {
    expect(secretsEqual(KEY, `${KEY}`)).toBe(true);
    expect(secretsEqual("", "")).toBe(true);
  });

  it("fails for a different secret of the same length", () => {
    expect(secretsEqual(`${KEY.slice(0, -1)}X`, KEY)).toBe(false);
  });

  it("fails for different lengths, without throwing", () => {
    expect(secretsEqual(KEY.slice(1), KEY)).toBe(false);
    expect(secretsEqual(`${KEY}x`, KEY)).toBe(false);
    expect(secretsEqual("", KEY)).toBe(false);
  });

  it("compares text exactly, case and Unicode included", () => {
    expect(secretsEqual(KEY.toUpperCase(), KEY)).toBe(false);
    expect(secretsEqual("café", "cafe\u0301")).toBe(false);
  });
});
