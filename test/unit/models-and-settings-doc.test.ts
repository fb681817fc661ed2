import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { promisedOutput, writeDocSnippets } from "../support/doc-snippets.ts";

// Written inside the repository, so `twelve-agents` resolves to its sources.
const { dir, snippets, remove } = writeDocSnippets("models-and-settings.md");
afterAll(remove);

describe("docs/models-and-settings.md", () => {
  it("has the two snippets this test runs", () => {
    expect(snippets.map((snippet) => snippet.file)).toEqual(["models.ts", "settings.ts"]);
  });

  it.each(snippets.map((snippet) => [snippet.file, snippet] as const))(
    "%s runs and prints what its comments promise",
    async (name, snippet) => {
      // Prepare
      const file = join(dir, name);
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
