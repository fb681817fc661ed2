import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docSnippets, promisedOutput, readmeSnippets } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

const snippets = readmeSnippets();
const everySnippet = docSnippets();
const biome = join(repoRoot, "node_modules", ".bin", "biome");
// Inside the repository, so the project's biome.json applies (git ignores `.readme-*`).
const dir = mkdtempSync(join(repoRoot, ".readme-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each snippet as the file biome checks, by its path relative to the repository. */
const files = everySnippet.map((snippet, i) => {
  const name = snippet.file ?? `example-${i}.ts`;
  const path = relative(repoRoot, join(dir, `${snippet.page.replaceAll(/\W/g, "-")}-${name}`));
  return { page: snippet.page, name, path, code: snippet.code };
});
/** A file that breaks the project's rules, checked in the same run: the run can fail a file. */
const bad = relative(repoRoot, join(dir, "bad.ts"));

interface Diagnostic {
  severity: string;
  category: string;
  message: string;
  location: { path: string };
}

/** What `biome check` found, file by file: its errors (what makes `biome check` fail). */
let errors: Map<string, string[]>;
/** How many files biome read. */
let checked: number;

// One `biome check` of every snippet at once (a process per snippet took most of the unit tier).
beforeAll(() => {
  for (const { path, code } of files) writeFileSync(join(repoRoot, path), code);
  writeFileSync(
    join(repoRoot, bad),
    'import { z } from "zod";\n\nexport const name = z.string();\n',
  );
  const run = spawnSync(
    biome,
    [
      "check",
      "--vcs-use-ignore-file=false",
      "--reporter=json",
      "--max-diagnostics=none",
      ...files.map((file) => file.path),
      bad,
    ],
    { cwd: repoRoot, encoding: "utf8" },
  );
  const report = JSON.parse(run.stdout) as {
    summary: { changed: number; unchanged: number };
    diagnostics: Diagnostic[];
  };
  checked = report.summary.changed + report.summary.unchanged;
  errors = new Map();
  for (const diagnostic of report.diagnostics) {
    if (diagnostic.severity !== "error" && diagnostic.severity !== "fatal") continue;
    const found = errors.get(diagnostic.location.path) ?? [];
    found.push(`${diagnostic.category}: ${diagnostic.message}`);
    errors.set(diagnostic.location.path, found);
  }
});

describe("README and docs/", () => {
  it("has the product's TypeScript files, which the consumer test runs in a fresh project", () => {
    expect(snippets.map((snippet) => snippet.file)).toEqual(
      expect.arrayContaining(["agents.ts", "run.ts", "app.ts"]),
    );
    for (const snippet of snippets.filter((s) => s.file === "run.ts")) {
      expect(promisedOutput(snippet.code).length).toBeGreaterThan(0);
    }
  });

  it.each(files.map((file) => [file.page, file.name, file.path] as const))(
    "%s %s passes the project's own lint and format",
    (_page, _name, path) => {
      expect(errors.get(path) ?? []).toEqual([]);
    },
  );

  it("lint would catch a snippet that breaks the project's rules, and checked every snippet", () => {
    expect(errors.get(bad)).toEqual([expect.stringMatching(/^lint\/style\/noRestrictedImports: /)]);
    expect(checked).toBe(files.length + 1);
  });
});
