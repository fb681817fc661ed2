import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Scorer } from "../../shared/evals/index.ts";
import { promisedOutput, writeDocSnippets } from "../support/doc-snippets.ts";

const page = writeDocSnippets("evals.md");
afterAll(() => page.remove());

describe("docs/evals.md", () => {
  it("has the snippets this test runs", () => {
    expect(page.snippets.map((snippet) => snippet.file)).toEqual([
      "eval-config.ts",
      "evals-in-code.ts",
    ]);
  });

  it("runs evals-in-code.ts, which prints what it promises", async () => {
    const run = page.snippets.find((snippet) => snippet.file === "evals-in-code.ts");
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    });
    try {
      await import(join(page.dir, "evals-in-code.ts"));
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual(promisedOutput(run?.code ?? ""));
    expect(printed).toHaveLength(2);
  });

  it("eval-config.ts exports scorers that score", async () => {
    const { scorers } = (await import(join(page.dir, "eval-config.ts"))) as { scorers: Scorer[] };
    expect(scorers.map((s) => s.name)).toEqual(["states a number", "model graded"]);
    const input = { replay: { output: "3 + 4 = 7" } } as never;
    expect(await scorers[0]?.score(input)).toMatchObject({ pass: true });
  });
});
