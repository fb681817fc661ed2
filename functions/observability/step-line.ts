import { type StepFacts, stepTokens, stepTool } from "./instrument.ts";

/**
 * One step in one line, for the local stack's terminal: agent, thread, version, tool, outcome,
 * duration and tokens (input/output).
 *
 * @example
 * stepLine(facts); // "step calculator thr_1f… v3 tool=add outcome=stepped 41 ms tokens=812/14"
 */
export function stepLine(facts: StepFacts): string {
  const tokens = stepTokens(facts);
  return [
    "step",
    facts.agent ?? "-",
    facts.threadId,
    `v${facts.version}`,
    `tool=${stepTool(facts) ?? "-"}`,
    `outcome=${facts.outcome ?? "error"}`,
    `${Math.round(facts.durationMs)} ms`,
    `tokens=${tokens.input}/${tokens.output}`,
  ].join(" ");
}
