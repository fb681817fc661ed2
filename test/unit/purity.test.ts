import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "shared");
const pure = ["core", "runtime", "testing"];
const allowed = /^(zod|node:crypto|\.{1,2}\/.*)$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

const importsOf = (folder: string) =>
  sources(join(root, folder)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)].map((match) => ({
      file,
      module: match[1] as string,
    })),
  );

describe("the pure core", () => {
  it.each(pure)(
    "shared/%s imports only zod, node:crypto and itself (no AWS SDK, no openai)",
    (folder) => {
      const imports = importsOf(folder);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter(({ module }) => !allowed.test(module))).toEqual([]);
      expect(imports.filter(({ module }) => module.includes("/llm/"))).toEqual([]);
      expect(imports.filter(({ module }) => module.includes("/aws/"))).toEqual([]);
    },
  );
});

describe("the examples", () => {
  it("import only the public entry points, zod and each other, as a user's product would", () => {
    const examples = join(root, "examples");
    const imports = importsOf("examples");
    expect(imports.map(({ module }) => module)).toContain("twelve-agents");
    const outside = imports.filter(({ file, module }) =>
      module.startsWith(".")
        ? !resolve(dirname(file), module).startsWith(examples)
        : !/^(zod|twelve-agents|twelve-agents\/testing)$/.test(module),
    );
    expect(outside).toEqual([]);
  });
});
