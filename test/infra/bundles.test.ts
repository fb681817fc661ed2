import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlerEntries, repoRoot } from "../../infra/handlers.ts";
import { functionOf, type Synthesized, synthTwelve } from "./synth.ts";

let deployed: Synthesized;

beforeAll(() => {
  deployed = synthTwelve();
}, 120_000);

afterAll(() => rmSync(deployed.outdir, { recursive: true, force: true }));

/** The bundle `cdk synth` built for a handler: its directory in the cloud assembly. */
function bundleDir(handler: string): string {
  const key = (functionOf(deployed.template, handler).fn.Properties.Code as { S3Key: string })
    .S3Key;
  return join(deployed.outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

/** The repository files a bundle was built from, read from its source map. */
function bundledFiles(handler: string): string[] {
  const dir = bundleDir(handler);
  const map = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as { sources: string[] };
  return map.sources
    .map((source) => resolve(dir, source))
    .filter((file) => !file.includes("node_modules"))
    .map((file) => file.slice(repoRoot.length));
}

/** The repository modules the local stack (`npm start`) imports, relative to the root. */
function localStackImports(): string[] {
  const file = join(repoRoot, "infra/local/stack.ts");
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/from "(\.[^"]+)"/g)].map((match) =>
    resolve(dirname(file), match[1] as string).slice(repoRoot.length),
  );
}

/** What the local stack runs for each handler: the same factory the Lambda entry point wraps. */
const localModule: Record<string, string> = {
  api: "functions/api/app.ts",
  worker: "functions/worker/app.ts",
  trigger: "functions/trigger/app.ts",
  reconciler: "shared/runtime/reconcile.ts",
};

describe("Bundles", () => {
  it("are built from exactly the handler files of functions/, one each", () => {
    for (const [handler, entry] of Object.entries(handlerEntries)) {
      const files = bundledFiles(handler);
      const entries = files.filter((file) => /^functions\/[^/]+\/handler\.ts$/.test(file));
      expect(entries, handler).toEqual([entry]);
    }
  });

  it("contain the modules the local stack runs: the handler factories, runtime and config", () => {
    const local = localStackImports();
    for (const [handler, module] of Object.entries(localModule)) {
      expect(local, handler).toContain(module);
      expect(bundledFiles(handler), handler).toEqual(
        expect.arrayContaining([module, "functions/runtime.ts", "functions/config.ts"]),
      );
    }
    expect(local).toEqual(expect.arrayContaining(["functions/runtime.ts", "functions/config.ts"]));
  });

  it("are minified ES modules that Node 24 loads, exporting handler", () => {
    for (const handler of Object.keys(handlerEntries)) {
      const file = join(bundleDir(handler), "index.mjs");
      expect(existsSync(file), handler).toBe(true);
      const code = readFileSync(file, "utf8");
      // Minified: long lines (template literals keep a few line breaks).
      expect(code.length / code.split("\n").length, handler).toBeGreaterThan(1000);
      const loaded = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(typeof m.handler);`,
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH ?? "", POWERTOOLS_LOG_LEVEL: "SILENT" } },
      );
      expect(loaded.trim(), handler).toBe("function");
    }
  });
});
