import { describe, expect, it } from "vitest";
import { HttpError } from "../../functions/api/http.ts";
import { parseStrictJson } from "../../functions/api/strict-json.ts";

const failure = (text: string): HttpError => {
  try {
    parseStrictJson(text);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to be refused`);
};

describe("Function: parseStrictJson", () => {
  it("reads what JSON.parse reads when no key repeats and every number is finite", () => {
    const text =
      '{"a": [1, -2.5e10, 0, {"b": "}\\"{", "c": null}], "d": {"a": true}, "e\\u0041": "x\\\\"}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(parseStrictJson("1.7976931348623157e308")).toBe(Number.MAX_VALUE);
  });

  it("refuses a duplicate key, naming it and where it is", () => {
    expect(failure('{"agent": "a", "agent": "b"}')).toMatchObject({
      code: "invalid_json",
      status: 400,
      message: 'body: duplicate key "agent"',
    });
    expect(failure('{"metadata": {"tags": [{"x": 1}, {"y": 1, "y": 2}]}}').message).toBe(
      'body field "metadata.tags.1": duplicate key "y"',
    );
    // An escape spells the same key another way: JSON.parse keeps the last all the same.
    expect(failure('{"a": 1, "\\u0061": 2}').message).toBe('body: duplicate key "a"');
  });

  it("keeps keys of sibling objects apart", () => {
    expect(parseStrictJson('[{"a": 1}, {"a": 2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("refuses a number beyond a 64-bit float, naming the field", () => {
    expect(failure('{"metadata": {"n": 1e999}}')).toMatchObject({
      code: "invalid_json",
      message: expect.stringContaining('body field "metadata.n": the number 1e999 is beyond'),
    });
    expect(failure("[0, -1E400]").message).toContain('body field "1": the number -1E400');
  });

  it("says why text that is not JSON is refused", () => {
    expect(failure('{"a": ').message).toMatch(/^body is not valid JSON: /);
  });

  it("reads nesting as deep as a body may hold in time and memory linear in its size", () => {
    // A copy of the path per level was the square of the depth: gigabytes for a 64 KB body.
    const deep = `${'{"a":'.repeat(20_000)}{"b": 1, "b": 2}${"}".repeat(20_000)}`;
    const message = failure(deep).message;
    // The path is cut to its end: an error names the problem, it does not echo the body.
    expect(message).toMatch(/^body field "…(\.a)+": duplicate key "b"$/);
    expect(message.length).toBeLessThan(300);
    expect(parseStrictJson(`${"[".repeat(20_000)}1e3${"]".repeat(20_000)}`)).toBeInstanceOf(Array);
  });
});
