import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { printedBy, promisedOutput, writeDocSnippets } from "../support/doc-snippets.ts";

const page = writeDocSnippets("callbacks.md");
afterAll(() => page.remove());

/** What importing `file` of the page prints. */
const printedOf = (file: string) => printedBy(join(page.dir, file));

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
    const printed = await printedOf("run-release.ts");
    // start runs inside the launch, once the wait is saved: its line comes first.
    expect(printed).toEqual([
      ...promisedOutput(code("release.ts")),
      ...promisedOutput(code("run-release.ts")),
    ]);
    expect(printed).toHaveLength(3);
  });

  it("runs run-deploy.ts, which prints what it promises", async () => {
    const printed = await printedOf("run-deploy.ts");
    expect(printed).toEqual(promisedOutput(code("run-deploy.ts")));
    expect(printed).toHaveLength(1);
  });
});
