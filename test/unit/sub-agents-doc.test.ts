import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { promisedOutput, writeDocSnippets } from "../support/doc-snippets.ts";

const page = writeDocSnippets("sub-agents.md");
afterAll(() => page.remove());

describe("docs/sub-agents.md", () => {
  it("has the snippets this test runs", () => {
    expect(page.snippets.map((snippet) => snippet.file)).toEqual(["agents.ts", "run-lead.ts"]);
  });

  it("runs run-lead.ts, which prints what it promises", async () => {
    const run = page.snippets.find((snippet) => snippet.file === "run-lead.ts");
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    });
    try {
      await import(join(page.dir, "run-lead.ts"));
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual(promisedOutput(run?.code ?? ""));
    expect(printed).toHaveLength(3);
  });
});
