import { writeFileSync } from "node:fs";
import type { Result } from "./stats.ts";

const SERIES: [string, string, string][] = [
  ["twelve", "Twelve", "#d62728"],
  ["langgraph-memory", "LangGraph + MemorySaver", "#1f77b4"],
  ["langgraph-sqlite", "LangGraph + SqliteSaver", "#17becf"],
  ["openai-agents", "OpenAI Agents SDK", "#2ca02c"],
];
const LENGTHS = [10, 100, 1000];
const W = 420;
const H = 300;
const PAD = { left: 70, right: 20, top: 36, bottom: 44 };

/** An SVG of bytes per step and CPU per step against thread length (log–log), one line a system. */
export function writeChart(file: string, results: readonly Result[]): void {
  const panels = [
    panel(results, "bytes_per_step", "Bytes persisted per step", "B", 0),
    panel(results, "step_cpu_us", "CPU per step (model excluded)", "µs", W),
  ];
  const legend = SERIES.map(
    ([, name, color], i) =>
      `<g transform="translate(${PAD.left + i * 200},${H + 18})"><rect width="14" height="4" y="-6" fill="${color}"/><text x="20" font-size="12">${name}</text></g>`,
  ).join("");
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" ` +
    `font-family="sans-serif" viewBox="0 0 ${2 * W} ${H + 30}">` +
    "<title>Bytes persisted and CPU per step against thread length</title>" +
    `<rect width="100%" height="100%" fill="white"/>${panels.join("")}${legend}</svg>\n`;
  writeFileSync(file, svg);
}

/** 1000 as 1k, 1000000 as 1M: axis labels that fit the margin. */
const short = (v: number): string =>
  v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);

function panel(
  results: readonly Result[],
  metric: string,
  title: string,
  unit: string,
  x0: number,
): string {
  const values = results.filter((r) => r.metric === metric && r.value > 0).map((r) => r.value);
  if (values.length === 0) return "";
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const px = (n: number) => x0 + PAD.left + ((Math.log10(n) - 1) / 2) * (W - PAD.left - PAD.right);
  const py = (v: number) =>
    H -
    PAD.bottom -
    ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`,
    `<line x1="${px(10)}" y1="${py(lo)}" x2="${px(1000)}" y2="${py(lo)}" stroke="#333"/>`,
    `<line x1="${px(10)}" y1="${py(lo)}" x2="${px(10)}" y2="${py(hi)}" stroke="#333"/>`,
    `<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">thread length (steps)</text>`,
  ];
  for (const n of LENGTHS) {
    parts.push(
      `<text x="${px(n)}" y="${py(lo) + 16}" text-anchor="middle" font-size="11">${n}</text>`,
    );
  }
  for (let v = lo; v <= hi; v *= 10) {
    parts.push(
      `<line x1="${px(10)}" y1="${py(v)}" x2="${px(1000)}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${px(10) - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${short(v)} ${unit}</text>`,
    );
  }
  for (const [system, , color] of SERIES) {
    const points = LENGTHS.map((n) =>
      results.find((r) => r.system === system && r.metric === metric && r.threadLength === n),
    ).filter((r): r is Result => r !== undefined && r.value > 0);
    if (points.length === 0) continue;
    const path = points.map((r) => `${px(r.threadLength as number)},${py(r.value)}`).join(" ");
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const r of points) {
      parts.push(
        `<circle cx="${px(r.threadLength as number)}" cy="${py(r.value)}" r="3" fill="${color}"><title>${r.value} ${r.unit}</title></circle>`,
      );
    }
  }
  return parts.join("");
}
