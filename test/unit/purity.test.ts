import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "shared");
const pure = ["core", "testing", "agents"];
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

describe("the pure core", () => {
  it.each(pure)(
    "shared/%s imports only zod, node:crypto and itself (no AWS SDK, no openai)",
    (folder) => {
      const imports = sources(join(root, folder)).flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)].map((match) => ({
          file,
          module: match[1],
        })),
      );
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter(({ module }) => !allowed.test(module ?? ""))).toEqual([]);
      expect(imports.filter(({ module }) => module?.includes("/llm/"))).toEqual([]);
    },
  );
});
