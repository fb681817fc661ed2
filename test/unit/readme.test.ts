import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);

describe("README", () => {
  it("has TypeScript examples", () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it.each(snippets.map((code, i) => [i, code] as const))(
    "example %i runs as written",
    (i, code) => {
      const file = join(root, `.readme-example-${i}.ts`);
      writeFileSync(file, code);
      try {
        const output = execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8" });
        const promised = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
          (m) => m[1] as string,
        );
        for (const line of promised)
          expect(output.replaceAll("\n", " ").replace(/\s+/g, " ")).toContain(line);
      } finally {
        rmSync(file, { force: true });
      }
    },
  );
});
