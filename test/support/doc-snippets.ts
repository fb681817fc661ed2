import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";
import { promisedOutput, type Snippet } from "./readme.ts";
import { repoRoot } from "./repo.ts";

/** Every named ```ts block of a docs page (```ts support.ts), in order. */
export function docPageSnippets(page: string): (Snippet & { file: string })[] {
  const text = readFileSync(join(repoRoot, "docs", page), "utf8");
  return [...text.matchAll(/```ts(?: ([\w.-]+))?\n([\s\S]*?)```/g)].map((match, i) => ({
    page: `docs/${page}`,
    file: match[1] ?? `example-${i}.ts`,
    code: match[2] as string,
  }));
}

/**
 * A page's snippets written as files in a directory inside the repository (so `twelve-agents`
 * resolves to this package's sources, as for the README's), removed by `remove()`.
 */
export function writeDocSnippets(page: string): {
  dir: string;
  snippets: (Snippet & { file: string })[];
  remove(): void;
} {
  const dir = mkdtempSync(join(repoRoot, ".readme-docs-"));
  const snippets = docPageSnippets(page);
  for (const snippet of snippets) writeFileSync(join(dir, snippet.file), snippet.code);
  return { dir, snippets, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What importing the module at `path` prints with `console.log`, a line per call. */
export async function printedBy(path: string): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(" "));
  });
  try {
    await import(path);
  } finally {
    log.mockRestore();
  }
  return printed;
}

export { promisedOutput };
