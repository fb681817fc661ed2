import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { percentile } from "./stats.ts";

/**
 * The esbuild options the CDK app's NodejsFunction passes (infra/constructs/handler-function.ts):
 * an ES module for Node 24, `module` before `main`, minified, external source map without the
 * sources, nothing external (the AWS SDK is bundled), and the createRequire banner.
 */
export async function bundle(entry: string, outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [],
    logLevel: "error",
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}

export const sizeKb = (file: string): number => statSync(file).size / 1024;

/**
 * Cold init: a fresh `node` process that imports the bundle (and, for the peer handlers, nothing
 * more); the import's wall time inside the process, in milliseconds, `runs` times.
 */
export function coldInitMs(file: string, runs: number, env: Record<string, string> = {}): number[] {
  const script =
    "const t0 = performance.now(); await import(process.argv[1]); " +
    "process.stdout.write(String(performance.now() - t0));";
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, file], {
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    samples.push(Number(out));
  }
  return samples;
}

export const median = (samples: readonly number[]): number =>
  percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
