import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { docSnippets, promisedOutput, readmeSnippets } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

const snippets = readmeSnippets();
const everySnippet = docSnippets();
const biome = join(repoRoot, "node_modules", ".bin", "biome");
// Inside the repository, so the project's biome.json applies (git ignores `.readme-*`).
const dir = mkdtempSync(join(repoRoot, ".readme-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README and docs/", () => {
  it("has the product's TypeScript files, which the consumer test runs in a fresh project", () => {
    expect(snippets.map((snippet) => snippet.file)).toEqual(
      expect.arrayContaining(["agents.ts", "run.ts", "app.ts"]),
    );
    for (const snippet of snippets.filter((s) => s.file === "run.ts")) {
      expect(promisedOutput(snippet.code).length).toBeGreaterThan(0);
    }
  });

  it.each(
    everySnippet.map(
      (snippet, i) => [snippet.page, snippet.file ?? `example-${i}.ts`, snippet] as const,
    ),
  )("%s %s passes the project's own lint and format", (page, name, snippet) => {
    const file = join(dir, `${page.replaceAll(/\W/g, "-")}-${name}`);
    writeFileSync(file, snippet.code);
    const check = () =>
      execFileSync(biome, ["check", "--vcs-use-ignore-file=false", file], {
        cwd: repoRoot,
        encoding: "utf8",
        stdio: "pipe",
      });
    expect(check).not.toThrow();
  });

  it("lint would catch a snippet that breaks the project's rules", () => {
    const file = join(dir, "bad.ts");
    writeFileSync(file, 'import { z } from "zod";\n\nexport const name = z.string();\n');
    expect(() =>
      execFileSync(biome, ["check", "--vcs-use-ignore-file=false", file], { stdio: "pipe" }),
    ).toThrow();
  });
});
