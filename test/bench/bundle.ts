import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { bundlingExternals } from "../../infra/constructs/handler-function.ts";
import { percentile } from "./stats.ts";

/**
 * The esbuild options the CDK app's NodejsFunction passes (infra/constructs/handler-function.ts):
 * an ES module for Node 24, `module` before `main`, minified, external source map without the
 * sources, the same externals (none, or `@aws-sdk/*` with `runtimeAwsSdk`), and the
 * createRequire banner. Keep `outdir` inside the repository: an external import then resolves
 * from its node_modules, as Lambda resolves it from the runtime's.
 */
export async function bundle(
  entry: string,
  outdir: string,
  options: { runtimeAwsSdk?: boolean; external?: string[] } = {},
): Promise<string> {
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
    // The example agents import `twelve-agents` from this repository's sources; naming a condition
    // drops esbuild's default `module` one, so it is named too.
    conditions: ["twelve-source", "module"],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...bundlingExternals(options.runtimeAwsSdk ?? false), ...(options.external ?? [])],
    logLevel: "error",
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** The size of files and directories (recursively), in KiB. */
export const sizeKb = (...paths: string[]): number =>
  paths.reduce((sum, path) => sum + bytesOf(path), 0) / 1024;

function bytesOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesOf(join(path, name)), 0);
}

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
