import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { promisedOutput, writeDocSnippets } from "../support/doc-snippets.ts";

const page = writeDocSnippets("callbacks.md");
afterAll(() => page.remove());

/** What importing `file` of the page prints. */
async function printedBy(file: string): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(" "));
  });
  try {
    await import(join(page.dir, file));
  } finally {
    log.mockRestore();
  }
  return printed;
}

const code = (file: string) => page.snippets.find((snippet) => snippet.file === file)?.code ?? "";

describe("docs/callbacks.md", () => {
  it("has the snippets this test runs", () => {
    expect(page.snippets.map((snippet) => snippet.file)).toEqual([
      "release.ts",
      "run-release.ts",
      "deploy.ts",
      "run-deploy.ts",
    ]);
  });

  it("runs run-release.ts, which prints what it promises", async () => {
    const printed = await printedBy("run-release.ts");
    // start runs inside the launch, once the wait is saved: its line comes first.
    expect(printed).toEqual([
      ...promisedOutput(code("release.ts")),
      ...promisedOutput(code("run-release.ts")),
    ]);
    expect(printed).toHaveLength(3);
  });

  it("runs run-deploy.ts, which prints what it promises", async () => {
    const printed = await printedBy("run-deploy.ts");
    expect(printed).toEqual(promisedOutput(code("run-deploy.ts")));
    expect(printed).toHaveLength(1);
  });
});
