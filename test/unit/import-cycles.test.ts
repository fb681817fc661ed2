import { describe, expect, it } from "vitest";
import { cyclesOf, importGraph, modulesOf, sourceFiles } from "../support/import-graph.ts";

describe("import cycles", () => {
  it("functions/, shared/ and infra/ import each other without a cycle", () => {
    const files = sourceFiles("functions", "shared", "infra");
    expect(files.length).toBeGreaterThan(100);
    expect(cyclesOf(importGraph(files))).toEqual([]);
  });

  it("finds a cycle of two files, a longer one and a file that imports itself", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts", "c.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", ["e.ts"]],
      ["e.ts", ["c.ts"]],
      ["f.ts", ["f.ts"]],
      ["g.ts", ["a.ts"]],
    ]);
    expect(cyclesOf(graph)).toEqual(
      expect.arrayContaining([["a.ts", "b.ts"], ["c.ts", "d.ts", "e.ts"], ["f.ts"]]),
    );
    expect(cyclesOf(graph)).toHaveLength(3);
  });

  it("reads static, type-only, side-effect, re-export and literal dynamic imports, not comments", () => {
    const text = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'import "./c.ts";',
      'export { d } from "./d.ts";',
      'const e = await import("./e.ts");',
      '// import { f } from "./f.ts";',
      '/* import { g } from "./g.ts"; */',
    ].join("\n");
    expect(modulesOf(text)).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });
});
