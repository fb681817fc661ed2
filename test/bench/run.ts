/**
 * `npm run bench` (`-- --quick` for fewer samples): Twelve against LangGraph.js and the OpenAI
 * Agents SDK on the same scripted calculator loop. Writes test/bench/results.json, chart.svg and
 * the tables of docs/performance.md; speed is measured here, never
 * asserted in tests. `-- --only=bundles` runs one stage (`bundles`, `step-reads`, `local`) and
 * puts its rows in place of the same rows of results.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { writeHandlerEntries } from "../../infra/constructs/handler-entries.ts";
import { HANDLER_NODE_OPTIONS } from "../../infra/constructs/handler-function.ts";
import { exampleAgentsEntry } from "../../infra/twelve-stack.ts";
import { repoRoot } from "../support/repo.ts";
import { type BundleOptions, bundle, coldInitMs, sizeKb } from "./bundle.ts";
import { writeChart } from "./chart.ts";
import { budgetedContext, CONTEXT_BUDGET } from "./context-budget.ts";
import { measureLocalStack } from "./local.ts";
import { createLangGraphRunner } from "./peers/langgraph.ts";
import { createAgentsRunner } from "./peers/openai-agents.ts";
import { sqliteSaver } from "./peers/sqlite-saver.ts";
import { markdown, writeTables } from "./report.ts";
import { cpuSince, type Result, round, summarize } from "./stats.ts";
import { measureStepReads } from "./step-reads.ts";
import {
  buildThread,
  bytesPerStep,
  chatCompletionsMessages,
  renderedContext,
  stepCpuUs,
} from "./twelve.ts";

const quick = process.argv.includes("--quick");
/** `--dry`: print the table, write no files (for timing a run without replacing the results). */
const dry = process.argv.includes("--dry");
/** `--only=<stage>`: run that stage alone, keeping the other rows of results.json. */
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const LENGTHS = [10, 100, 1000] as const;
const MAX_LENGTH = 1000;
const WARMUP = quick ? 1 : 3;
const SAMPLES = quick ? 5 : 15;
const ITERATIONS = quick ? 10 : 25;
/** A sample of slow steps (the peers' at 1000) holds fewer of them: about this much CPU. */
const SAMPLE_TARGET_US = quick ? 100_000 : 300_000;

/** Steps per sample: ITERATIONS, or fewer when one step costs `oneStepUs` of CPU. */
const iterationsFor = (oneStepUs: number) =>
  Math.max(1, Math.min(ITERATIONS, Math.round(SAMPLE_TARGET_US / Math.max(oneStepUs, 1))));
const COLD_RUNS = quick ? 5 : 15;
const here = import.meta.dirname;
const results: Result[] = [];
const started = performance.now();

const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);

/** Samples of `sample()` with the warm-up runs dropped. */
async function sampled(sample: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const value = await sample();
    if (i >= WARMUP) samples.push(value);
  }
  return samples;
}

function record(system: string, metric: string, unit: string, samples: number[], length?: number) {
  const { median, min, max } = summarize(samples);
  results.push({
    system,
    metric,
    ...(length !== undefined ? { threadLength: length } : {}),
    value: round(median),
    unit,
    ...(samples.length > 1 ? { min: round(min), max: round(max) } : {}),
  });
}

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** bytes_per_step at each length and bytes_total after MAX_LENGTH from per-step byte counts. */
function recordBytes(system: string, perStep: readonly number[]) {
  for (const length of LENGTHS) {
    // perStep[0] is the launch; perStep[n] the step that takes the thread from n - 1 to n steps.
    const bytes = perStep[length + 1];
    if (bytes !== undefined) record(system, "bytes_per_step", "B", [bytes], length);
  }
  if (perStep.length <= MAX_LENGTH) return;
  const total = perStep.slice(0, MAX_LENGTH + 1).reduce((sum, bytes) => sum + bytes, 0);
  record(system, "bytes_total", "B", [total], MAX_LENGTH);
}

async function benchTwelve() {
  log("twelve: step_cpu_us, context_tokens");
  for (const length of LENGTHS) {
    const thread = await buildThread(length);
    record(
      "twelve",
      "step_cpu_us",
      "µs",
      await sampled(() => stepCpuUs(thread, ITERATIONS)),
      length,
    );
    record("twelve", "context_tokens", "tokens", [encode(renderedContext(thread)).length], length);
    const messages = encode(chatCompletionsMessages(thread)).length;
    record("chat-completions-messages", "context_tokens", "tokens", [messages], length);
  }
  log(`twelve: context under a ${CONTEXT_BUDGET}-token budget`);
  for (const row of await budgetedContext(LENGTHS)) {
    record("twelve-budgeted", "context_tokens", "tokens", [row.maxRequestTokens], row.length);
    record("twelve-budgeted", "compactions", "events", [row.compactions], row.length);
  }
  log("twelve: bytes");
  recordBytes("twelve", await bytesPerStep(MAX_LENGTH + 1));
}

async function benchLangGraph(system: string, makeSaver: () => MemorySaver | SqliteSaver) {
  log(`${system}: ${MAX_LENGTH + 1} steps`);
  const saver = makeSaver();
  const stored = storedBytes(saver);
  const runner = createLangGraphRunner(saver);
  const heads = new Map<number, string>();
  await runner.start("bench", "Keep adding 1 to the running total, starting from 0.");
  const perStep = [stored()];
  for (let n = 1; n <= MAX_LENGTH + 1; n++) {
    const before = stored();
    await runner.step("bench");
    perStep.push(stored() - before);
    if ((LENGTHS as readonly number[]).includes(n)) heads.set(n, await runner.head("bench"));
  }
  recordBytes(system, perStep);
  for (const length of LENGTHS) {
    const head = heads.get(length) as string;
    const probe = process.cpuUsage();
    await runner.step("bench", head);
    const iterations = iterationsFor(cpuSince(probe));
    const samples = await sampled(async () => {
      const modelBefore = runner.model.cpuUs;
      const start = process.cpuUsage();
      // Each iteration resumes the thread from the checkpoint at `length` (a fork).
      for (let i = 0; i < iterations; i++) await runner.step("bench", head);
      return (cpuSince(start) - (runner.model.cpuUs - modelBefore)) / iterations;
    });
    record(system, "step_cpu_us", "µs", samples, length);
  }
}

/** Bytes a checkpoint saver holds: checkpoints, their metadata and pending writes. */
function storedBytes(saver: MemorySaver | SqliteSaver): () => number {
  if (saver instanceof SqliteSaver) {
    // biome-ignore lint/suspicious/noExplicitAny: the saver's connection is public but untyped here
    const db = (saver as any).db;
    // Prepared once: statements finalized by the GC crash better-sqlite3 under Node 24 here.
    const checkpoints = db.prepare(
      "SELECT COALESCE(SUM(LENGTH(thread_id) + LENGTH(checkpoint_ns) + LENGTH(checkpoint_id) + " +
        "LENGTH(COALESCE(parent_checkpoint_id, '')) + LENGTH(COALESCE(type, '')) + " +
        "LENGTH(checkpoint) + LENGTH(metadata)), 0) AS bytes FROM checkpoints",
    );
    const writes = db.prepare(
      "SELECT COALESCE(SUM(LENGTH(thread_id) + LENGTH(checkpoint_ns) + LENGTH(checkpoint_id) + " +
        "LENGTH(task_id) + 8 + LENGTH(channel) + LENGTH(COALESCE(type, '')) + " +
        "LENGTH(COALESCE(value, ''))), 0) AS bytes FROM writes",
    );
    return () => Number(checkpoints.get().bytes) + Number(writes.get().bytes);
  }
  return () => {
    let bytes = 0;
    const size = (value: unknown): number =>
      value instanceof Uint8Array ? value.byteLength : typeof value === "string" ? utf8(value) : 0;
    for (const namespaces of Object.values(saver.storage)) {
      for (const checkpoints of Object.values(namespaces)) {
        for (const [id, [checkpoint, metadata, parent]] of Object.entries(checkpoints)) {
          bytes += utf8(id) + size(checkpoint) + size(metadata) + size(parent);
        }
      }
    }
    for (const writes of Object.values(saver.writes)) {
      for (const [taskId, channel, value] of Object.values(writes)) {
        bytes += utf8(taskId) + utf8(channel) + size(value);
      }
    }
    return bytes;
  };
}

/**
 * The Agents SDK resumes by parsing and re-serializing the whole RunState every step, so a
 * 1000-step thread takes this harness over 10 minutes to build: it runs to 100 steps unless
 * `--agents-1000` is given.
 */
const AGENTS_MAX = process.argv.includes("--agents-1000") ? MAX_LENGTH : 100;

async function benchAgents() {
  const system = "openai-agents";
  log(`${system}: ${AGENTS_MAX + 1} steps`);
  const runner = createAgentsRunner();
  const saved = new Map<number, string>();
  let state = await runner.start("Keep adding 1 to the running total, starting from 0.");
  const perStep = [utf8(state)];
  for (let n = 1; n <= AGENTS_MAX + 1; n++) {
    state = await runner.step(state);
    // The SDK resumes from the whole serialized RunState: each step persists all of it.
    perStep.push(utf8(state));
    if ((LENGTHS as readonly number[]).includes(n)) saved.set(n, state);
  }
  recordBytes(system, perStep);
  for (const length of LENGTHS.filter((n) => n <= AGENTS_MAX)) {
    const from = saved.get(length) as string;
    const store = new Map<string, string>();
    const probe = process.cpuUsage();
    await runner.step(from);
    const iterations = iterationsFor(cpuSince(probe));
    const samples = await sampled(async () => {
      const modelBefore = runner.model.cpuUs;
      const start = process.cpuUsage();
      for (let i = 0; i < iterations; i++) store.set("bench", await runner.step(from));
      return (cpuSince(start) - (runner.model.cpuUs - modelBefore)) / iterations;
    });
    record(system, "step_cpu_us", "µs", samples, length);
  }
}

/** Whether better-sqlite3's native addon loads in this Node (`npm run bench:sqlite` builds it). */
function sqliteBuilt(): boolean {
  try {
    sqliteSaver();
    return true;
  } catch {
    return false;
  }
}

async function benchBundles() {
  const out = join(repoRoot, "node_modules/.cache/twelve-bench");
  const worker = writeHandlerEntries({ entry: exampleAgentsEntry, projectRoot: repoRoot }).worker;
  const bedrockWorker = writeHandlerEntries({
    entry: join(here, "bedrock-app/agents.ts"),
    projectRoot: repoRoot,
  }).worker;
  // better-sqlite3 is a native addon esbuild cannot bundle: its package ships beside the bundle
  // (the JavaScript, the compiled addon and the modules that find it), and counts with it.
  const modules = join(repoRoot, "node_modules");
  const sqlite = [
    join(modules, "better-sqlite3/package.json"),
    join(modules, "better-sqlite3/lib"),
    join(modules, "better-sqlite3/build/Release/better_sqlite3.node"),
    join(modules, "bindings"),
    join(modules, "file-uri-to-path"),
  ];
  // The examples' agents module brings its own model: `TwelveRuntime({ model: "module" })`
  // bundles its worker without the OpenAI SDK. `twelve-openai` is the worker of an OpenAI agent.
  const entries: [string, string, BundleOptions, string[]][] = [
    ["twelve", worker, { callsOpenAi: false }, []],
    ["twelve-runtime-sdk", worker, { runtimeAwsSdk: true, callsOpenAi: false }, []],
    ["twelve-openai", worker, { runtimeAwsSdk: true, callsOpenAi: true }, []],
    // A Bedrock-only app (every agent on a Bedrock model): no OpenAI SDK, and the Bedrock client
    // the Lambda runtime's, or bundled.
    ["twelve-bedrock", bedrockWorker, { runtimeAwsSdk: true, callsOpenAi: false }, []],
    ["twelve-bedrock-bundled-sdk", bedrockWorker, { callsOpenAi: false }, []],
    ["twelve-no-source-maps", worker, { callsOpenAi: false }, []],
    ["langgraph-memory", join(here, "peers/langgraph-handler.ts"), {}, []],
    [
      "langgraph-sqlite",
      join(here, "peers/langgraph-sqlite-handler.ts"),
      { external: ["better-sqlite3"] },
      sqlite,
    ],
    ["openai-agents", join(here, "peers/openai-agents-handler.ts"), {}, []],
  ];
  // Twelve's handlers load as its functions run them (with their NODE_OPTIONS: source maps on);
  // the peers' as plain `node`. `twelve-no-source-maps` shows what the source maps cost.
  const nodeOptions = (system: string) =>
    system.startsWith("twelve") && system !== "twelve-no-source-maps" ? HANDLER_NODE_OPTIONS : "";
  const built: [system: string, file: string][] = [];
  for (const [system, entry, options, beside] of entries) {
    if (system === "langgraph-sqlite" && !sqliteBuilt()) {
      log(`${system}: left out, better-sqlite3 is not built for this Node (npm run bench:sqlite)`);
      continue;
    }
    log(`${system}: bundle`);
    const file = await bundle(entry, join(out, system), options);
    record(system, "bundle_kb", "KiB", [sizeKb(file, ...beside)]);
    built.push([system, file]);
  }
  // Round-robin, so a busier moment of the machine falls on every handler alike.
  log(`cold init: ${COLD_RUNS} rounds of ${built.map(([system]) => system).join(", ")}`);
  const samples = new Map<string, number[]>(built.map(([system]) => [system, []]));
  for (let round = 0; round < COLD_RUNS; round++) {
    for (const [system, file] of built) {
      samples.get(system)?.push(...coldInitMs(file, 1, { NODE_OPTIONS: nodeOptions(system) }));
    }
  }
  for (const [system] of built) record(system, "cold_init_ms", "ms", samples.get(system) ?? []);
}

/** Runs a stage; a failure is reported and leaves its metrics out instead of ending the run. */
async function stage(name: string, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    log(`${name} failed, its metrics are left out: ${String(error)}`);
  }
}

const stages: Record<string, () => Promise<void>> = {
  twelve: benchTwelve,
  "langgraph-memory": () => benchLangGraph("langgraph-memory", () => new MemorySaver()),
  "langgraph-sqlite": () => benchLangGraph("langgraph-sqlite", sqliteSaver),
  "openai-agents": benchAgents,
  bundles: benchBundles,
  "step-reads": async () => {
    log("twelve: reads, units and cost per step on DynamoDB Local and fauxqs, cold and warm");
    results.push(...(await measureStepReads({ quick })));
  },
  local: async () => {
    log("local stack: local_step_ms and the I/O floor");
    results.push(...(await measureLocalStack({ quick })));
  },
};
if (only !== undefined && !(only in stages)) {
  throw new Error(`--only=${only}: no such stage (${Object.keys(stages).join(", ")})`);
}
for (const [name, run] of Object.entries(stages)) {
  if (only === undefined || only === name) await stage(name, run);
}

const resultsFile = join(here, "results.json");
/** With `--only`, the earlier run's rows of the metrics this run did not measure. */
const kept = (): Result[] => {
  if (only === undefined || !existsSync(resultsFile)) return [];
  const measured = new Set(results.map((r) => r.metric));
  const earlier = JSON.parse(readFileSync(resultsFile, "utf8")) as Result[];
  return earlier.filter((r) => !measured.has(r.metric));
};
results.unshift(...kept());

const seconds = (performance.now() - started) / 1000;
const cpu = cpus()[0]?.model ?? "unknown CPU";
const machine =
  `${cpu}, ${cpus().length} vCPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `Node ${process.version}, ${process.platform}/${process.arch}`;
if (dry) {
  process.stdout.write(`${markdown(results)}\n`);
} else {
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeChart(join(here, "chart.svg"), results);
  // The tables go between `<!-- bench:start -->` and `<!-- bench:end -->` of the performance page.
  const page = join(here, "../../docs/performance.md");
  const mode = only !== undefined ? `--only=${only}` : quick ? "--quick" : "full";
  process.stdout.write(`${writeTables(page, results, { machine, mode, seconds })}\n`);
  // The tables as Biome formats markdown, so `npm run lint` stays clean.
  execFileSync(join(here, "../../node_modules/.bin/biome"), ["format", "--write", page], {
    stdio: "ignore",
  });
}
log(`done in ${seconds.toFixed(0)} s`);
