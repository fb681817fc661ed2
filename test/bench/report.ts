import { readFileSync, writeFileSync } from "node:fs";
import { CONTEXT_BUDGET } from "./context-budget.ts";
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
  ["twelve", "Twelve worker, AWS SDK bundled (the default)"],
  ["twelve-runtime-sdk", "Twelve worker, the runtime's AWS SDK (`-c runtimeAwsSdk=true`)"],
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
  lines.push(targets(results));
  return lines.join("\n");
}

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
  const out = ["| target | measured | |", "|---|---|---|"];
  for (const [target, measured, met] of rows) {
    out.push(
      `| ${target} | ${measured} | ${met === undefined ? "not measured" : met ? "met" : "**missed**"} |`,
    );
  }
  return out.join("\n");
}

/** Writes the tables between the README's bench markers; returns them. */
export function writeReadme(
  file: string,
  results: readonly Result[],
  run: { machine: string; mode: string; seconds: number },
): string {
  const table = markdown(results);
  const body =
    `Measured by \`npm run bench${run.mode === "--quick" ? " -- --quick" : ""}\` ` +
    `(${run.mode} run, ${Math.round(run.seconds)} s) on ${run.machine}. ` +
    "Medians of repeated samples after warm-up, (min–max) in brackets.\n\n" +
    `${table}\n`;
  const readme = readFileSync(file, "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs ${START} and ${END} markers`);
  writeFileSync(file, `${readme.slice(0, start + START.length)}\n${body}${readme.slice(end)}`);
  return table;
}
