import { readFileSync, writeFileSync } from "node:fs";
import { CONTEXT_BUDGET } from "./context-budget.ts";
import { PRICES, WORKER_MEMORY_MB } from "./prices.ts";
import type { Result } from "./stats.ts";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

const SYSTEMS: [string, string][] = [
  ["twelve", "Twelve"],
  ["langgraph-memory", "LangGraph + MemorySaver"],
  ["langgraph-sqlite", "LangGraph + SqliteSaver"],
  ["openai-agents", "OpenAI Agents SDK"],
];

/** The handlers `bundle_kb` and `cold_init_ms` measure. */
const BUNDLES: [string, string][] = [
  ["twelve", "Twelve worker, AWS SDK bundled (the default), agents with their own model"],
  ["twelve-runtime-sdk", "Twelve worker, the runtime's AWS SDK (`-c runtimeAwsSdk=true`)"],
  ["twelve-openai", "Twelve worker of OpenAI agents, the runtime's AWS SDK"],
  [
    "twelve-bedrock",
    "Twelve worker of Bedrock agents, the runtime's AWS SDK (its Bedrock client too)",
  ],
  ["twelve-bedrock-bundled-sdk", "Twelve worker of Bedrock agents, AWS SDK bundled"],
  ["twelve-no-source-maps", "Twelve worker, AWS SDK bundled, without `--enable-source-maps`"],
  ["langgraph-memory", "LangGraph + MemorySaver, one step"],
  ["langgraph-sqlite", "LangGraph + SqliteSaver, one step (with better-sqlite3 beside it)"],
  ["openai-agents", "OpenAI Agents SDK, one step"],
];

const find = (results: readonly Result[], system: string, metric: string, length?: number) =>
  results.find((r) => r.system === system && r.metric === metric && r.threadLength === length);

const fmt = (value: number): string =>
  Number.isInteger(value)
    ? value.toLocaleString("en-US")
    : value.toLocaleString("en-US", { maximumFractionDigits: 2 });

const cell = (result: Result | undefined): string => {
  if (!result) return "—";
  const noise =
    result.min !== undefined && result.max !== undefined && result.min !== result.max
      ? ` (${fmt(result.min)}–${fmt(result.max)})`
      : "";
  return `${fmt(result.value)}${noise}`;
};

/** The markdown tables of a run. */
export function markdown(results: readonly Result[]): string {
  const lines: string[] = [];
  lines.push(`| metric | thread length | ${SYSTEMS.map(([, name]) => name).join(" | ")} | unit |`);
  lines.push(`|---|---|${SYSTEMS.map(() => "---").join("|")}|---|`);
  const rows: [string, number | undefined][] = [
    ...[10, 100, 1000].map((n): [string, number] => ["step_cpu_us", n]),
    ...[10, 100, 1000].map((n): [string, number] => ["bytes_per_step", n]),
    ["bytes_total", 1000],
  ];
  for (const [metric, length] of rows) {
    const cells = SYSTEMS.map(([system]) => cell(find(results, system, metric, length)));
    const unit = results.find((r) => r.metric === metric)?.unit ?? "";
    lines.push(`| \`${metric}\` | ${length ?? ""} | ${cells.join(" | ")} | ${unit} |`);
  }
  lines.push("");
  lines.push("| handler bundle | `bundle_kb` (KiB) | `cold_init_ms` (ms) |");
  lines.push("|---|---|---|");
  for (const [system, name] of BUNDLES) {
    const kb = find(results, system, "bundle_kb");
    lines.push(`| ${name} | ${cell(kb)} | ${cell(find(results, system, "cold_init_ms"))} |`);
  }
  lines.push("");
  lines.push(
    `| \`context_tokens\` (o200k) | Twelve | Chat Completions messages | ratio | Twelve, ${CONTEXT_BUDGET}-token budget: largest request | compactions |`,
  );
  lines.push("|---|---|---|---|---|---|");
  for (const n of [10, 100, 1000]) {
    const twelve = find(results, "twelve", "context_tokens", n);
    const messages = find(results, "chat-completions-messages", "context_tokens", n);
    const ratio =
      twelve && messages ? fmt(Math.round((twelve.value / messages.value) * 100) / 100) : "—";
    const budgeted = find(results, "twelve-budgeted", "context_tokens", n);
    const compactions = find(results, "twelve-budgeted", "compactions", n);
    lines.push(
      `| ${n} steps | ${cell(twelve)} | ${cell(messages)} | ${ratio} | ${cell(budgeted)} | ${cell(compactions)} |`,
    );
  }
  lines.push("");
  lines.push("| `local_step_ms` (local stack) | p50 | p99 | min–max |");
  lines.push("|---|---|---|---|");
  for (const [system, name] of [
    ["twelve", "Twelve step (worker loop)"],
    ["io-floor", "I/O floor (same DynamoDB + SQS calls, no logic)"],
  ] as const) {
    const p50 = find(results, system, "local_step_ms_p50");
    const p99 = find(results, system, "local_step_ms_p99");
    const range = p50 ? `${fmt(p50.min ?? 0)}–${fmt(p50.max ?? 0)}` : "—";
    lines.push(
      `| ${name} | ${p50 ? fmt(p50.value) : "—"} | ${p99 ? fmt(p99.value) : "—"} | ${range} |`,
    );
  }
  const ratio = find(results, "twelve", "local_step_ms_p50_vs_floor");
  lines.push("");
  lines.push(`p50 ratio Twelve / floor: ${ratio ? `${fmt(ratio.value)}×` : "not measured"}.`);
  lines.push("");
  lines.push(...stepTables(results));
  lines.push("");
  lines.push(targets(results));
  return lines.join("\n");
}

/** The per-step rows measured on DynamoDB Local and fauxqs, cold and warm: add a metric here. */
const STEP_ROWS: [metric: string, what: string][] = [
  ["read_bytes_per_step", "DynamoDB items read (billed size)"],
  ["read_units_per_step", "DynamoDB read units (as DynamoDB Local reports them)"],
  ["write_units_per_step", "DynamoDB write units, table and indexes (as reported)"],
  ["sqs_requests_per_step", "SQS requests (receive, enqueue, delete)"],
  ["worker_ms_per_step", "worker invocation, wall time"],
];

/** The cost of 1,000 steps by service, the columns of the cost table. */
const COST_PARTS: [metric: string, name: string][] = [
  ["cost_per_1000_steps_dynamoReads", "DynamoDB reads"],
  ["cost_per_1000_steps_dynamoWrites", "DynamoDB writes"],
  ["cost_per_1000_steps_sqs", "SQS"],
  ["cost_per_1000_steps_lambdaRequests", "Lambda requests"],
  ["cost_per_1000_steps_lambdaDuration", "Lambda duration"],
];

/** Dollars with three significant digits: costs per 1,000 steps are fractions of a cent. */
const usd = (result: Result | undefined): string =>
  result ? `$${result.value.toLocaleString("en-US", { maximumSignificantDigits: 3 })}` : "—";

/** Reads and units per step, cold (every thread loaded whole) and warm (the worker's cache). */
function stepTables(results: readonly Result[]): string[] {
  const lines = [
    "| per step (DynamoDB Local + fauxqs) | thread length | cold: full load | warm: incremental | unit | what |",
    "|---|---|---|---|---|---|",
  ];
  for (const [metric, what] of STEP_ROWS) {
    for (const n of [10, 100, 1000]) {
      const cold = find(results, "twelve-cold", metric, n);
      const warm = find(results, "twelve-warm", metric, n);
      const unit = (cold ?? warm)?.unit ?? "";
      lines.push(`| \`${metric}\` | ${n} | ${cell(cold)} | ${cell(warm)} | ${unit} | ${what} |`);
    }
  }
  lines.push("");
  lines.push(
    `| infrastructure dollars per 1,000 steps | thread length | cold | warm | warm: ${COST_PARTS.map(([, name]) => name).join(" | ")} |`,
  );
  lines.push(`|---|---|---|---|${COST_PARTS.map(() => "---").join("|")}|`);
  for (const n of [10, 100, 1000]) {
    const parts = COST_PARTS.map(([metric]) => usd(find(results, "twelve-warm", metric, n)));
    const cold = usd(find(results, "twelve-cold", "cost_per_1000_steps", n));
    const warm = usd(find(results, "twelve-warm", "cost_per_1000_steps", n));
    lines.push(`| \`cost_per_1000_steps\` | ${n} | ${cold} | ${warm} | ${parts.join(" | ")} |`);
  }
  lines.push("");
  lines.push(
    `Prices (inputs, not measurements): ${PRICES.region} list prices as documented on AWS's ` +
      `pricing pages, taken ${PRICES.takenOn} (\`test/bench/prices.ts\`): DynamoDB on-demand ` +
      `$${PRICES.dynamoReadUnit * 1e6} per million read units and $${PRICES.dynamoWriteUnit * 1e6} ` +
      `per million write units, SQS FIFO $${PRICES.sqsFifoRequest * 1e6} per million requests, ` +
      `Lambda $${PRICES.lambdaRequest * 1e6} per million requests and $${PRICES.lambdaArmGbSecond} ` +
      `per GB-second (Arm) at the worker's ${WORKER_MEMORY_MB} MB; the model is left out.`,
  );
  return lines;
}

/** The targets of the per-step rows: warm reads and warm cost flat in thread length. */
function stepTargets(v: (system: string, metric: string, length?: number) => number | undefined) {
  const flat = (metric: string, show: (value: number) => string): TargetRow => {
    const at10 = v("twelve-warm", metric, 10);
    const at1000 = v("twelve-warm", metric, 1000);
    const cold = v("twelve-cold", metric, 1000);
    return [
      `warm \`${metric}\` flat in thread length`,
      at10 !== undefined && at1000 !== undefined
        ? `${show(at10)} at 10, ${show(at1000)} at 1000 (cold: ${cold === undefined ? "—" : show(cold)} at 1000)`
        : "—",
      at10 !== undefined && at1000 !== undefined ? at1000 <= at10 * 1.1 : undefined,
    ];
  };
  return [
    flat("read_bytes_per_step", (bytes) => `${fmt(bytes)} B`),
    flat("cost_per_1000_steps", (dollars) => usd({ value: dollars } as Result)),
  ];
}

type TargetRow = [target: string, measured: string, met: boolean | undefined];

/** The issue's targets, each met or missed by this run's numbers. */
function targets(results: readonly Result[]): string {
  const v = (system: string, metric: string, length?: number) =>
    find(results, system, metric, length)?.value;
  const peers = SYSTEMS.slice(1).map(([system]) => system);
  const best = (metric: string, length?: number) => {
    const values = peers
      .map((p) => v(p, metric, length))
      .filter((x): x is number => x !== undefined);
    return values.length ? Math.min(...values) : undefined;
  };
  const rows: [string, string, boolean | undefined][] = [];
  const cpu = v("twelve", "step_cpu_us", 1000);
  const bestCpu = best("step_cpu_us", 1000);
  rows.push([
    "`step_cpu_us` at 1000 ≤ 1/5 of the best peer",
    cpu !== undefined && bestCpu !== undefined
      ? `${fmt(cpu)} vs ${fmt(bestCpu)} µs: ${fmt(Math.round(bestCpu / cpu))}× less`
      : "—",
    cpu !== undefined && bestCpu !== undefined ? cpu <= bestCpu / 5 : undefined,
  ]);
  const b10 = v("twelve", "bytes_per_step", 10);
  const b1000 = v("twelve", "bytes_per_step", 1000);
  rows.push([
    "`bytes_per_step` flat in thread length",
    b10 !== undefined && b1000 !== undefined ? `${fmt(b10)} B at 10, ${fmt(b1000)} B at 1000` : "—",
    b10 !== undefined && b1000 !== undefined ? b1000 <= b10 * 1.1 : undefined,
  ]);
  const total = v("twelve", "bytes_total", 1000);
  for (const peer of ["langgraph-memory", "langgraph-sqlite"]) {
    const theirs = v(peer, "bytes_total", 1000);
    rows.push([
      `\`bytes_total\` at 1000 ≥ 50× smaller than ${peer}`,
      total !== undefined && theirs !== undefined
        ? `${fmt(Math.round(theirs / total))}× smaller`
        : "—",
      total !== undefined && theirs !== undefined ? theirs / total >= 50 : undefined,
    ]);
  }
  const bestKb = best("bundle_kb");
  for (const [system, variant] of [
    ["twelve", "AWS SDK bundled"],
    ["twelve-runtime-sdk", "runtime's AWS SDK"],
  ] as const) {
    const kb = v(system, "bundle_kb");
    rows.push([
      `\`bundle_kb\` ≤ 1/3 of the smallest peer handler (${variant})`,
      kb !== undefined && bestKb !== undefined
        ? `${fmt(kb)} vs ${fmt(bestKb)} KiB: ${fmt(Math.round((kb / bestKb) * 100) / 100)}×`
        : "—",
      kb !== undefined && bestKb !== undefined ? kb <= bestKb / 3 : undefined,
    ]);
  }
  const langGraphInit = ["langgraph-memory", "langgraph-sqlite"]
    .map((system) => v(system, "cold_init_ms"))
    .filter((x): x is number => x !== undefined);
  const fastestLangGraph = langGraphInit.length ? Math.min(...langGraphInit) : undefined;
  for (const [system, variant] of [
    ["twelve", "AWS SDK bundled"],
    ["twelve-runtime-sdk", "runtime's AWS SDK"],
  ] as const) {
    const ms = v(system, "cold_init_ms");
    rows.push([
      `\`cold_init_ms\` ≤ 0.7× LangGraph's (${variant})`,
      ms !== undefined && fastestLangGraph !== undefined
        ? `${fmt(ms)} vs ${fmt(fastestLangGraph)} ms: ${fmt(Math.round((ms / fastestLangGraph) * 100) / 100)}×`
        : "—",
      ms !== undefined && fastestLangGraph !== undefined ? ms <= fastestLangGraph * 0.7 : undefined,
    ]);
  }
  const ratios = [10, 100, 1000].map((n) => {
    const t = v("twelve", "context_tokens", n);
    const m = v("chat-completions-messages", "context_tokens", n);
    return t !== undefined && m !== undefined ? t / m : undefined;
  });
  const worst = ratios.every((r) => r !== undefined)
    ? Math.max(...(ratios as number[]))
    : undefined;
  rows.push([
    "`context_tokens` ≤ 0.7 of the messages format",
    worst !== undefined
      ? `${ratios.map((r) => fmt(Math.round((r as number) * 100) / 100)).join(" / ")} at 10 / 100 / 1000`
      : "—",
    worst !== undefined ? worst <= 0.7 : undefined,
  ]);
  const budgeted = v("twelve-budgeted", "context_tokens", 1000);
  const unbounded = v("chat-completions-messages", "context_tokens", 1000);
  rows.push([
    `a 1,000-step context within its ${CONTEXT_BUDGET}-token budget while the messages format passes 50k tokens`,
    budgeted !== undefined && unbounded !== undefined
      ? `largest request ${fmt(budgeted)} tokens; messages format ${fmt(unbounded)}`
      : "—",
    budgeted !== undefined && unbounded !== undefined
      ? budgeted <= CONTEXT_BUDGET && unbounded > 50_000
      : undefined,
  ]);
  const local = v("twelve", "local_step_ms_p50_vs_floor");
  rows.push([
    "`local_step_ms` p50 ≤ 1.3× the I/O floor",
    local !== undefined ? `${fmt(local)}×` : "—",
    local !== undefined ? local <= 1.3 : undefined,
  ]);
  rows.push(...stepTargets(v));
  const out = ["| target | measured | |", "|---|---|---|"];
  for (const [target, measured, met] of rows) {
    out.push(
      `| ${target} | ${measured} | ${met === undefined ? "not measured" : met ? "met" : "**missed**"} |`,
    );
  }
  return out.join("\n");
}

/** Writes the tables between the bench markers of `file`; returns them. */
export function writeTables(
  file: string,
  results: readonly Result[],
  run: { machine: string; mode: string; seconds: number },
): string {
  const table = markdown(results);
  const partial = run.mode.startsWith("--only=");
  const body =
    `Measured by \`npm run bench${run.mode === "full" ? "" : ` -- ${run.mode}`}\` ` +
    `(${run.mode} run, ${Math.round(run.seconds)} s) on ${run.machine}` +
    (partial ? "; the rows of other stages are from the run before. " : ". ") +
    "Medians of repeated samples after warm-up, (min–max) in brackets.\n\n" +
    `${table}\n`;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} needs ${START} and ${END} markers`);
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${body}${text.slice(end)}`);
  return table;
}
