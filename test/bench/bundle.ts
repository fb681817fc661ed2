import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type BuildOptions, build } from "esbuild";
import {
  BUNDLE_BANNER,
  bundlingAliases,
  bundlingExternals,
} from "../../infra/constructs/handler-function.ts";
import { repoRoot } from "../support/repo.ts";
import { percentile } from "./stats.ts";

/** How a handler is bundled: the `HandlerFunction` choices, and more externals (the peers'). */
export interface BundleOptions {
  runtimeAwsSdk?: boolean;
  callsOpenAi?: boolean;
  /** Whether the API serves `POST /mcp` (`TwelveRuntime`'s `mcpEndpoint`). Default true. */
  servesMcp?: boolean;
  external?: string[];
}

/**
 * The esbuild options the CDK app's NodejsFunction passes (infra/constructs/handler-function.ts):
 * an ES module for Node 24, `module` before `main`, minified, external source map without the
 * sources, the same externals (`@aws-sdk/*` with `runtimeAwsSdk`), the same aliases (built-ins;
 * `openai` unless `callsOpenAi`; the MCP server SDK unless `servesMcp`) and the createRequire
 * banner.
 */
const buildOptions = (entry: string, options: BundleOptions) =>
  ({
    entryPoints: [entry],
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
    external: [
      ...bundlingExternals({ runtimeAwsSdk: options.runtimeAwsSdk ?? false }),
      ...(options.external ?? []),
    ],
    alias: bundlingAliases(repoRoot, {
      callsOpenAi: options.callsOpenAi ?? true,
      servesMcp: options.servesMcp ?? true,
    }),
    logLevel: "error",
    banner: { js: BUNDLE_BANNER },
  }) satisfies BuildOptions;

/**
 * Bundles `entry` as the construct does into `outdir/index.mjs`. Keep `outdir` inside the
 * repository: an external import then resolves from its node_modules, as Lambda resolves it from
 * the runtime's.
 */
export async function bundle(
  entry: string,
  outdir: string,
  options: BundleOptions = {},
): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.mjs");
  await build({ ...buildOptions(entry, options), outfile });
  return outfile;
}

/**
 * What a bundle of `entry` is built from (esbuild's metafile), with the bytes each input puts in
 * it: repository files relative to the root (`functions/worker/app.ts`), packages' files as
 * `node_modules/<package>/...`.
 */
export async function bundleInputs(
  entry: string,
  options: BundleOptions = {},
): Promise<Map<string, number>> {
  const result = await build({
    ...buildOptions(entry, options),
    outfile: join(repoRoot, "node_modules/.cache/twelve-bench/inputs/index.mjs"),
    metafile: true,
    write: false,
  });
  const inputs = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const path = file.includes("node_modules/")
        ? file.slice(file.lastIndexOf("node_modules/"))
        : relative(repoRoot, resolve(repoRoot, file));
      inputs.set(path, (inputs.get(path) ?? 0) + bytesInOutput);
    }
  }
  return inputs;
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
