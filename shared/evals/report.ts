import { canonicalJson } from "../core/hash.ts";
import type { CaseResult, EvalReport, Verdict } from "./run-eval.ts";
import { type Range, spreadOf } from "./spread.ts";

/** What changed between a baseline report and this one. */
export interface ReportDelta {
  passRate: { before: number; after: number };
  tokens: { before: number; after: number };
  costUsd: { before: number; after: number };
  /** Cases whose verdict changed (first trial of each), by id. */
  changed: { caseId: string; before: Verdict | "absent"; after: Verdict | "absent" }[];
}

/**
 * Compares a run with a baseline run (`--baseline`): pass rate, tokens and cost, and the cases
 * that changed result.
 *
 * @example
 * const delta = compareReports(JSON.parse(readFileSync("main.json", "utf8")), report);
 */
export function compareReports(baseline: EvalReport, current: EvalReport): ReportDelta {
  const first = (report: EvalReport) =>
    new Map(report.results.filter((r) => r.trial === 1).map((r) => [r.caseId, r.verdict]));
  const before = first(baseline);
  const after = first(current);
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  return {
    passRate: { before: baseline.summary.passRate, after: current.summary.passRate },
    tokens: { before: baseline.summary.tokens, after: current.summary.tokens },
    costUsd: { before: baseline.summary.costUsd, after: current.summary.costUsd },
    changed: ids.flatMap((caseId) => {
      const was = before.get(caseId) ?? "absent";
      const is = after.get(caseId) ?? "absent";
      return was === is ? [] : [{ caseId, before: was, after: is }];
    }),
  };
}

/** The first divergence, or the first failed scorer, or the error, in one short line. */
export function whyOf(result: CaseResult): string {
  if (result.error) return result.error;
  const d = result.divergence;
  if (d) {
    const call = (c: { tool: string; args: unknown } | null) =>
      c ? `${c.tool}(${canonicalJson(c.args)})` : "-";
    return `step ${d.step}: ${d.reason}; recorded ${call(d.expected)}, replay ${call(d.actual)}`;
  }
  const failed = result.scores.find((score) => !score.pass);
  return failed ? `${failed.scorer}: ${failed.reason ?? "failed"}` : "";
}

const usd = (value: number | null) => (value === null ? "-" : `$${value.toFixed(6)}`);

/** With trials above 1, the spread: per case, its pass count and its measures' ranges. */
function spread(report: EvalReport): string[] {
  if (report.trials <= 1) return [];
  const cases = report.spread ?? spreadOf(report.results);
  const rates = cases.map((c) => c.passed / c.trials);
  return [
    `trials: ${report.trials} per case; per-case pass rate from ${Math.min(...rates).toFixed(2)} to ${Math.max(...rates).toFixed(2)}`,
    ...cases.map(
      (c) =>
        `  ${c.caseId}: passed ${c.passed} of ${c.trials}${c.passed > 0 && c.passed < c.trials ? " (unstable)" : ""}; steps ${span(c.steps)}, tokens ${span(c.tokens)}, cost ${c.costUsd ? span(c.costUsd, usd) : "-"}`,
    ),
  ];
}

/** `3` when a range is one value, else `3-5`. */
const span = (range: Range, show: (n: number) => string = String) =>
  range.min === range.max ? show(range.min) : `${show(range.min)}-${show(range.max)}`;

/** The terminal table: case, result, first divergence, steps, tokens, estimated cost. */
export function formatTable(report: EvalReport, delta?: ReportDelta): string {
  const header = ["case", "result", "steps", "tokens", "cost", "first divergence / why"];
  const rows = report.results.map((r) => [
    report.trials > 1 ? `${r.caseId} #${r.trial}` : r.caseId,
    r.verdict,
    String(r.steps),
    String(r.tokens.input + r.tokens.output),
    usd(r.costUsd),
    whyOf(r),
  ]);
  const widths = header.map((h, i) =>
    i === header.length - 1 ? 0 : Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (widths[i] ? cell.padEnd(widths[i] as number) : cell))
      .join("  ")
      .trimEnd();
  const { summary } = report;
  return [
    line(header),
    ...rows.map(line),
    "",
    `${summary.passed}/${summary.total} passed (${(summary.passRate * 100).toFixed(1)}%), ${summary.failed} failed, ${summary.diverged} diverged, ${summary.errors} errors; ${summary.tokens} tokens, ${usd(summary.costUsd)}`,
    ...spread(report),
    ...(delta ? deltaLines(delta) : []),
  ].join("\n");
}

function deltaLines(delta: ReportDelta): string[] {
  const signed = (n: number, digits = 0) => `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;
  return [
    `vs baseline: pass rate ${(delta.passRate.before * 100).toFixed(1)}% -> ${(delta.passRate.after * 100).toFixed(1)}%, tokens ${signed(delta.tokens.after - delta.tokens.before)}, cost ${signed(delta.costUsd.after - delta.costUsd.before, 6)} USD`,
    ...delta.changed.map((c) => `  ${c.caseId}: ${c.before} -> ${c.after}`),
  ];
}

/** A Markdown summary for a pull request: totals, the delta, and the cases that did not pass. */
export function formatMarkdown(report: EvalReport, delta?: ReportDelta): string {
  const { summary } = report;
  const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  const notPassed = report.results.filter((r) => r.verdict !== "passed");
  return [
    "## Twelve evals",
    "",
    `**${summary.passed}/${summary.total} passed** (${(summary.passRate * 100).toFixed(1)}%) · ${summary.failed} failed · ${summary.diverged} diverged · ${summary.errors} errors · ${summary.tokens} tokens · ${usd(summary.costUsd)} (tools: ${report.tools})`,
    ...(delta
      ? [
          "",
          "| | baseline | this run |",
          "|---|---|---|",
          `| pass rate | ${(delta.passRate.before * 100).toFixed(1)}% | ${(delta.passRate.after * 100).toFixed(1)}% |`,
          `| tokens | ${delta.tokens.before} | ${delta.tokens.after} |`,
          `| cost | ${usd(delta.costUsd.before)} | ${usd(delta.costUsd.after)} |`,
          ...(delta.changed.length > 0
            ? [
                "",
                "Changed:",
                ...delta.changed.map((c) => `- \`${c.caseId}\`: ${c.before} → ${c.after}`),
              ]
            : []),
        ]
      : []),
    ...(report.trials > 1
      ? [
          "",
          `Trials: ${report.trials} per case.`,
          "",
          "| case | passed | steps | tokens | cost |",
          "|---|---|---|---|---|",
          ...(report.spread ?? spreadOf(report.results)).map(
            (c) =>
              `| \`${c.caseId}\` | ${c.passed}/${c.trials} | ${span(c.steps)} | ${span(c.tokens)} | ${c.costUsd ? span(c.costUsd, usd) : "-"} |`,
          ),
        ]
      : []),
    ...(notPassed.length > 0
      ? [
          "",
          "| case | result | why |",
          "|---|---|---|",
          ...notPassed.map((r) => `| \`${r.caseId}\` | ${r.verdict} | ${cell(whyOf(r))} |`),
        ]
      : []),
    "",
  ].join("\n");
}
