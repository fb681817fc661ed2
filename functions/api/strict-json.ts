import { HttpError } from "./http.ts";

/**
 * JSON text as every JSON route reads it: `JSON.parse`, and then two things it lets through
 * silently are refused, each a 400 naming where it is:
 * - a duplicate key (`{"a": 1, "a": 2}` would keep the last value, so what was stored is not what
 *   a reader of the text, or another parser keeping the first, would see);
 * - a number beyond a 64-bit float (`1e999` would become `Infinity`, and `null` once stored).
 *
 * `subject` names the text in the error (`body`). Raw bytes a signature covers are not touched:
 * this reads the text only.
 *
 * @example
 * parseStrictJson('{"a": 1, "a": 2}'); // throws: body: duplicate key "a"
 */
export function parseStrictJson(text: string, subject = "body"): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      "invalid_json",
      `${subject} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const problem = strictProblem(text);
  if (problem)
    throw new HttpError("invalid_json", `${where(subject, problem.path)}: ${problem.what}`);
  return value;
}

/** What `strictProblem` found, and the path (keys and indexes) of the value it is in. */
interface Problem {
  path: readonly string[];
  what: string;
}

/**
 * An object or array being read: the one it is in, the keys seen so far, and what comes next.
 * Its path is found by walking `parent` only when a problem is reported: a copy per frame would
 * cost the square of the depth.
 */
interface Frame {
  parent: Frame | undefined;
  /** The keys of an object (undefined for an array). */
  keys: Set<string> | undefined;
  /** The key of the value being read (object), or its index (array). */
  at: string;
  index: number;
  expectKey: boolean;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * The first duplicate key or non-finite number of `text`, which `JSON.parse` has accepted (so
 * the scan trusts its grammar). Iterative: a hostile body nests deeper than the call stack.
 */
function strictProblem(text: string): Problem | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    const top = stack.at(-1);
    if (char === "{" || char === "[") {
      stack.push({
        parent: top,
        keys: char === "{" ? new Set() : undefined,
        at: "0",
        index: 0,
        expectKey: char === "{",
      });
      i++;
    } else if (char === "}" || char === "]") {
      stack.pop();
      i++;
    } else if (char === ",") {
      if (top?.keys) top.expectKey = true;
      else if (top) top.at = String(++top.index);
      i++;
    } else if (char === '"') {
      const end = stringEnd(text, i);
      const token = text.slice(i, end);
      i = end;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(token) as string;
        if (top.keys.has(key)) {
          return {
            path: pathOf(top.parent),
            what: `duplicate key ${JSON.stringify(key.slice(0, 64))}`,
          };
        }
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
    } else if (char === "-" || (char >= "0" && char <= "9")) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? char;
      i += token.length;
      if (!Number.isFinite(Number(token))) {
        return {
          path: pathOf(top),
          what: `the number ${token.slice(0, 32)} is beyond a 64-bit float (about ±1.8e308)`,
        };
      }
    } else {
      // Whitespace, ":" and the letters of true, false and null.
      i++;
    }
  }
  return undefined;
}

/** The keys and indexes that lead to the value being read in `frame` (none: the top level). */
function pathOf(frame: Frame | undefined): string[] {
  const path: string[] = [];
  for (let at = frame; at; at = at.parent) path.push(at.at);
  return path.reverse();
}

/** The index just past the string token that starts at `start` (its opening quote). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === "\\") backslashes++;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * `body`, or `body field "metadata.a"`: the words `describeIssues` uses too. A path deeper than
 * anyone reads is cut to its end, where the problem is.
 */
function where(subject: string, path: readonly string[]): string {
  if (path.length === 0) return subject;
  const joined = path.join(".");
  return `${subject} field ${JSON.stringify(joined.length > 200 ? `…${joined.slice(-200)}` : joined)}`;
}
