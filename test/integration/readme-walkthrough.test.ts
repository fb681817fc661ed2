import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { repoRoot } from "../support/repo.ts";
import { startTestStack } from "./local-stack.ts";

/** One line of the walkthrough: a curl command, a variable taken from the last answer, or an answer. */
type Line =
  | { kind: "curl"; args: string[]; text: string }
  | { kind: "assign"; name: string }
  | { kind: "expect"; pairs: [string, unknown][]; text: string };

/** The ```sh block under "## Walkthrough" of docs/twelve-dev.md, as lines (continuations joined). */
function walkthrough(): Line[] {
  const readme = readFileSync(join(repoRoot, "docs", "twelve-dev.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Walkthrough"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const lines: Line[] = [];
  for (const raw of block.replaceAll("\\\n", " ").split("\n")) {
    const text = raw.trim();
    if (text.startsWith("curl ")) lines.push({ kind: "curl", args: shellWords(text), text });
    const assign = /^([A-Z]+)=thr_…/.exec(text);
    if (assign) lines.push({ kind: "assign", name: assign[1] as string });
    if (text.startsWith("# {")) lines.push({ kind: "expect", pairs: pairsOf(text), text });
  }
  return lines;
}

/** Words of a command line, with '…' and "…" quoting as a shell reads it. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** The `"key": value` pairs an answer line promises; a string with … promises its prefix. */
function pairsOf(text: string): [string, unknown][] {
  return [...text.matchAll(/"(\w+)":\s*("[^"]*"|-?\d+(?:\.\d+)?|true|false|null)/g)].map((m) => [
    m[1] as string,
    JSON.parse((m[2] as string).replace(/…"$/, '"')),
  ]);
}

/** Whether `value` holds `key` with `expected` at any depth (a string ending in … by prefix). */
function holds(value: unknown, key: string, expected: unknown, prefix: boolean): boolean {
  if (value === null || typeof value !== "object") return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === key) {
      if (prefix && typeof v === "string" && v.startsWith(expected as string)) return true;
      if (!prefix && JSON.stringify(v) === JSON.stringify(expected)) return true;
    }
    if (holds(v, key, expected, prefix)) return true;
  }
  return false;
}

describe("the curl walkthrough of docs/twelve-dev.md, run as written", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it("answers each command as the page says", async () => {
    const lines = walkthrough();
    const vars: Record<string, string> = {};
    let last: { request: { url: string; init: RequestInit }; body: unknown } | undefined;
    expect(lines.filter((l) => l.kind === "curl").length).toBeGreaterThanOrEqual(9);

    for (const line of lines) {
      if (line.kind === "assign") {
        vars[line.name] = (last?.body as { threadId?: string } | undefined)?.threadId ?? "";
      } else if (line.kind === "curl") {
        const request = toFetch(line.args, vars, stack.url);
        const response = await fetch(request.url, request.init);
        last = { request, body: await response.json() };
        expect(response.status, line.text).toBeLessThan(300);
      } else if (last) {
        // A person reads the thread a moment later: poll a read until it shows the status promised.
        const status = line.pairs.find(([key]) => key === "status")?.[1];
        for (let i = 0; i < 300 && last.request.init.method === "GET"; i++) {
          if ((last.body as { status?: string }).status === status) break;
          await sleep(50);
          const again = await fetch(last.request.url, last.request.init);
          last = { request: last.request, body: await again.json() };
        }
        for (const [key, value] of line.pairs) {
          const prefix = typeof value === "string" && line.text.includes(`"${key}":"${value}…"`);
          expect(
            holds(last.body, key, value, prefix),
            `${line.text}\n${JSON.stringify(last.body)}`,
          ).toBe(true);
        }
      }
    }
  });
});

/** The fetch a curl command line makes (flags -s, -X, -H, -d), its host the test stack's. */
function toFetch(args: string[], vars: Record<string, string>, base: string) {
  const init: RequestInit & { headers: Record<string, string> } = { method: "GET", headers: {} };
  let url = "";
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-s") continue;
    if (arg === "-X") init.method = args[++i] as string;
    else if (arg === "-H") {
      const [name, ...value] = (args[++i] as string).split(":");
      init.headers[(name as string).trim()] = value.join(":").trim();
    } else if (arg === "-d") {
      init.body = args[++i] as string;
      if (init.method === "GET") init.method = "POST";
    } else url = arg;
  }
  const path = url
    .replace(/^localhost:3000/, "")
    .replaceAll(/\$([A-Z]+)/g, (_, name: string) => vars[name] ?? `$${name}`);
  return { url: `${base}${path}`, init };
}
