import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.ts";

/** A TypeScript block of the README; `file` is the name after the language (```ts agents.ts). */
export interface Snippet {
  file: string | null;
  code: string;
}

/** Every ```ts block of the README, in order. */
export function readmeSnippets(): Snippet[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  return [...readme.matchAll(/```ts(?: ([\w.-]+))?\n([\s\S]*?)```/g)].map((match) => ({
    file: match[1] ?? null,
    code: match[2] as string,
  }));
}

/** What a snippet promises to print: the text after `// ` on each `console.log(...)` line. */
export const promisedOutput = (code: string): string[] =>
  [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);
