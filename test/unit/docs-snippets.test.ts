import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  docPages,
  docSnippets,
  pagesTakenWhole,
  promisedOutput,
  runsInProcess,
  type Snippet,
  uncoveredSnippets,
} from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

const snippets = docSnippets();
const sources = testSources();
const nameOf = (snippet: Snippet, i: number) => snippet.file ?? `example-${i}.ts`;

/** Every test source, for the `docSnippet("<page>", "<file>")` calls that take a snippet. */
function testSources(dir: string = join(repoRoot, "test")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : testSources(path);
    return entry.name.endsWith(".ts") && !path.endsWith(join("support", "readme.ts"))
      ? [readFileSync(path, "utf8")]
      : [];
  });
}

/**
 * Each page's snippets in one directory inside the repository (so `twelve-agents` resolves to
 * the sources, and a snippet may import another of its page: `./agents.ts`); git ignores
 * `.readme-*`.
 */
const dirs = new Map<string, string>();
function pageDir(page: string): string {
  let dir = dirs.get(page);
  if (!dir) {
    dir = mkdtempSync(join(repoRoot, `.readme-${page.replaceAll(/\W/g, "-")}-`));
    dirs.set(page, dir);
    snippets
      .filter((snippet) => snippet.page === page)
      .forEach((snippet, i) => {
        writeFileSync(join(dir as string, nameOf(snippet, i)), snippet.code);
      });
  }
  return dir;
}
afterAll(() => {
  for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
});

describe("the docs' snippets", () => {
  it("are every one run by a test: in process here, or taken by name by the test that runs it", () => {
    expect(docPages().length).toBeGreaterThan(1);
    expect(uncoveredSnippets(snippets, sources)).toEqual([]);
  });

  it("the coverage check fails on a snippet nobody runs, and on one without a name", () => {
    const stray: Snippet[] = [
      { page: "docs/x.md", file: "stack.ts", code: 'import { App } from "aws-cdk-lib";\n' },
      { page: "docs/x.md", file: null, code: 'import { App } from "aws-cdk-lib";\n' },
    ];
    expect(uncoveredSnippets(stray, ['docSnippet("docs/y.md", "stack.ts")'])).toEqual([
      "docs/x.md: stack.ts",
      "docs/x.md: (a block without a name)",
    ]);
    expect(uncoveredSnippets(stray.slice(0, 1), ['docSnippet("docs/x.md", "stack.ts")'])).toEqual(
      [],
    );
    expect(uncoveredSnippets(stray, ['writeDocSnippets("x.md")'])).toEqual([]);
  });

  const inProcess = snippets
    .map((snippet) => ({
      snippet,
      name: nameOf(snippet, snippets.filter((s) => s.page === snippet.page).indexOf(snippet)),
    }))
    .filter(({ snippet }) => runsInProcess(snippet) && !pagesTakenWhole(sources).has(snippet.page));

  it.each(inProcess.map(({ snippet, name }) => [snippet.page, name, snippet] as const))(
    "%s %s runs in process and prints what its comments promise",
    async (page, name, snippet) => {
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        await import(join(pageDir(page), name));
        expect(log.mock.calls.map((call) => call.map(String).join(" "))).toEqual(
          promisedOutput(snippet.code),
        );
      } finally {
        log.mockRestore();
      }
    },
  );
});
