import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

/** The page's ```ts blocks, by the file name after the language. */
const page = readFileSync(join(repoRoot, "docs/models-and-settings.md"), "utf8");
const snippets = [...page.matchAll(/```ts(?: ([\w.-]+))?\n([\s\S]*?)```/g)].map((match) => ({
  file: match[1] ?? "snippet.ts",
  code: match[2] as string,
}));
// Inside the repository, so `twelve-agents` resolves to its sources (git ignores `.readme-*`).
const dir = mkdtempSync(join(repoRoot, ".readme-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/models-and-settings.md", () => {
  it("has the two snippets this test runs", () => {
    expect(snippets.map((snippet) => snippet.file)).toEqual(["models.ts", "settings.ts"]);
  });

  it.each(snippets.map((snippet) => [snippet.file, snippet] as const))(
    "%s runs and prints what its comments promise",
    async (name, snippet) => {
      // Prepare
      const file = join(dir, name);
      writeFileSync(file, snippet.code);
      const printed: string[] = [];
      const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(" "));
      });

      // Act
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }

      // Assess
      expect(printed).toEqual(promisedOutput(snippet.code));
    },
  );
});
