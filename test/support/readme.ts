import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.ts";

/** A TypeScript block of the README or a docs page; `file` is the name after the language (```ts agents.ts). */
export interface Snippet {
  /** The page it is on, relative to the repository: `README.md`, `docs/testing.md`. */
  page: string;
  file: string | null;
  code: string;
}

const blocks = (page: string): Snippet[] =>
  [
    ...readFileSync(join(repoRoot, page), "utf8").matchAll(/```ts(?: ([\w.-]+))?\n([\s\S]*?)```/g),
  ].map((match) => ({ page, file: match[1] ?? null, code: match[2] as string }));

/** The pages whose snippets tests run: the README and every docs/*.md, README first. */
export const docPages = (): string[] => [
  "README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

/** Every ```ts block of the README, in order. */
export function readmeSnippets(): Snippet[] {
  return blocks("README.md");
}

/** Every ```ts block of the README and the docs pages, page by page, in order. */
export function docSnippets(): Snippet[] {
  return docPages().flatMap(blocks);
}

/**
 * The snippet named `file` on `page`, for the test that runs it. A snippet that is not run in
 * process by test/unit/docs-snippets.test.ts must be taken by a test through this function,
 * with both names written as string literals (the coverage test reads the test sources for them).
 */
export function docSnippet(page: string, file: string): Snippet {
  const snippet = blocks(page).find((s) => s.file === file);
  if (!snippet) throw new Error(`${page} has no \`\`\`ts ${file} block`);
  return snippet;
}

/** What a snippet promises to print: the text after `// ` on each `console.log(...)` line. */
export const promisedOutput = (code: string): string[] =>
  [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);

/** The packages a snippet imports (`from "..."`), relative imports left out. */
export const importsOf = (code: string): string[] =>
  [...code.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)]
    .map((match) => match[1] as string)
    .filter((specifier) => !specifier.startsWith("."));

/**
 * Whether a snippet runs in process with nothing but the package's in-process entry points,
 * zod and Node: test/unit/docs-snippets.test.ts runs those.
 */
export const runsInProcess = (snippet: Snippet): boolean =>
  importsOf(snippet.code).every(
    (specifier) =>
      ["twelve-agents", "twelve-agents/testing", "zod"].includes(specifier) ||
      specifier.startsWith("node:"),
  );

/**
 * The pages a test takes whole (`writeDocSnippets("run-context.md")`, a helper that writes
 * every block of the page for that test to run): the in-process run leaves those to it.
 */
export function pagesTakenWhole(testSources: string[]): Set<string> {
  return new Set(
    testSources.flatMap((source) =>
      [...source.matchAll(/writeDocSnippets\(\s*"(?:docs\/)?([\w.-]+\.md)"/g)].map(
        (m) => `docs/${m[1]}`,
      ),
    ),
  );
}

/**
 * The snippets no test runs: neither in process (test/unit/docs-snippets.test.ts), nor taken
 * by name with `docSnippet("<page>", "<file>")`, nor on a page a test takes whole, in one of
 * `testSources`. The README's own files are the consumer test's, which writes every README
 * snippet into a fresh project (`readmeSnippets()`) and runs them.
 */
export function uncoveredSnippets(snippets: Snippet[], testSources: string[]): string[] {
  const taken = new Set(
    testSources.flatMap((source) =>
      [...source.matchAll(/docSnippet\(\s*"([^"]+)",\s*"([^"]+)"\s*\)/g)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
    ),
  );
  const whole = pagesTakenWhole(testSources);
  const consumerRunsReadme = testSources.some((source) => source.includes("readmeSnippets()"));
  return snippets
    .filter(
      (snippet) =>
        !runsInProcess(snippet) &&
        !whole.has(snippet.page) &&
        !taken.has(`${snippet.page} ${snippet.file}`) &&
        !(snippet.page === "README.md" && consumerRunsReadme),
    )
    .map((snippet) => `${snippet.page}: ${snippet.file ?? "(a block without a name)"}`);
}
