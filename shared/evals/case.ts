import * as z from "zod";
import { threadEvent } from "../core/events.ts";
import { statuses } from "../core/thread.ts";
import { EVAL_CASE_VERSION } from "./case-draft.ts";
import { DatasetError } from "./errors.ts";

export { EVAL_CASE_VERSION };

/** Whether `text` compiles as a JavaScript regular expression. */
function isPattern(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** How a case's output must match the candidate's: exactly, by a pattern, or by JSON fields. */
export const outputExpectation = z.union([
  z.object({ exact: z.string() }).strict(),
  z
    .object({
      pattern: z
        .string()
        .refine(isPattern, "not a valid regular expression")
        .describe("a JavaScript regular expression the output must match"),
    })
    .strict(),
  z
    .object({
      fields: z
        .record(z.string(), z.unknown())
        .describe("JSON fields the output (parsed as JSON) must hold, compared as canonical JSON"),
    })
    .strict(),
]);
export type OutputExpectation = z.infer<typeof outputExpectation>;

/** One tool call the agent is expected to make, in order. */
export const expectedCall = z.object({ tool: z.string().min(1), args: z.unknown() }).strict();
export type ExpectedCall = z.infer<typeof expectedCall>;

/** What the case expects of a replay: each field, when present, is a built-in scorer. */
export const caseExpectations = z
  .object({
    calls: z.array(expectedCall).optional().describe("the model's calls after the cut, in order"),
    status: z.enum(statuses).optional().describe("the status the replay ends in"),
    output: outputExpectation.optional(),
    maxSteps: z.number().int().positive().optional().describe("model calls at most"),
    maxTokens: z.number().int().positive().optional().describe("model tokens (in + out) at most"),
    maxCostUsd: z.number().positive().optional().describe("estimated dollars at most"),
  })
  .strict();
export type CaseExpectations = z.infer<typeof caseExpectations>;

/**
 * One eval case (format version 1): a thread cut at a version, and what the thread went on to
 * do. Replays are deterministic: the case carries the thread's id and a clock, so the same case
 * and agents render byte-identical model requests.
 */
export const evalCase = z
  .object({
    version: z.literal(EVAL_CASE_VERSION).describe("the case format's version"),
    id: z.string().min(1).max(200).describe("unique in its dataset"),
    agent: z.string().min(1).describe("the agent replayed, by name"),
    threadId: z.string().min(1).describe("the replayed thread's id (tools see it)"),
    clock: z
      .object({
        start: z.iso.datetime().describe("the time the replay starts at"),
        stepMs: z.number().int().nonnegative().describe("how far each reading of the clock moves"),
      })
      .strict(),
    events: z.array(threadEvent).min(1).describe("the thread up to the cut: the replay's input"),
    recorded: z
      .array(threadEvent)
      .default([])
      .describe(
        "what the thread went on to do: the tool results served to recorded tools, and the answers, decisions and messages replayed",
      ),
    expect: caseExpectations.default({}),
    mocks: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("tools that return this result instead of running, by name"),
    source: z
      .object({ threadId: z.string(), version: z.number().int().nonnegative() })
      .strict()
      .optional()
      .describe("the stored thread and the version the case was cut at"),
  })
  .strict();

export type EvalCase = z.output<typeof evalCase>;
/** A case as written in a dataset: `recorded` and `expect` may be left out. */
export type EvalCaseInput = z.input<typeof evalCase>;

/**
 * The case format as JSON Schema (draft 2020-12), for editors and other tools: what
 * `docs/evals.md` documents.
 *
 * @example
 * writeFileSync("eval-case.schema.json", JSON.stringify(evalCaseJsonSchema(), null, 2));
 */
export function evalCaseJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(evalCase, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}

/** Where each case read from a dataset came from, so later errors name its line. */
const origins = new WeakMap<EvalCase, string>();

/** `file:line` of a case read by `parseDataset`, else `case <id>`. */
export const whereIs = (evalCase: EvalCase): string =>
  origins.get(evalCase) ?? `case ${evalCase.id}`;

/**
 * Reads a dataset: one case per line (JSON Lines; blank lines skipped). Every problem is one
 * `DatasetError` naming `source` and the line: JSON that does not parse, a case of a newer format
 * version, a line that is not a case (with the field), two cases with one id.
 *
 * @example
 * const cases = parseDataset(readFileSync("evals/calculator.jsonl", "utf8"), "evals/calculator.jsonl");
 */
export function parseDataset(text: string, source = "dataset"): EvalCase[] {
  const cases: EvalCase[] = [];
  const ids = new Map<string, number>();
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    const parsed = parseCase(raw, `${source}:${line}`, line);
    const first = ids.get(parsed.id);
    if (first !== undefined) {
      throw new DatasetError(
        `${source}:${line}: case id "${parsed.id}" is used on line ${first} too`,
        line,
      );
    }
    ids.set(parsed.id, line);
    origins.set(parsed, `${source}:${line} (case ${parsed.id})`);
    cases.push(parsed);
  });
  return cases;
}

/** One case from its JSON text; `where` names it in errors (`file:line`). */
export function parseCase(text: string, where = "case", line = 0): EvalCase {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new DatasetError(`${where}: not JSON (${(cause as Error).message})`, line, { cause });
  }
  return checkCase(value, where, line);
}

/** A case as given to `runEval`: one read by `parseDataset` as it is (keeping its line), else checked. */
export const ensureCase = (value: EvalCase | EvalCaseInput): EvalCase =>
  origins.has(value as EvalCase) ? (value as EvalCase) : checkCase(value);

/** A case from a parsed value (a case written in code); `where` names it in errors. */
export function checkCase(value: unknown, where = "case", line = 0): EvalCase {
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > EVAL_CASE_VERSION) {
    throw new DatasetError(
      `${where}: the case is of format version ${version}; this release reads version ${EVAL_CASE_VERSION} and older: upgrade twelve-agents`,
      line,
    );
  }
  const parsed = evalCase.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new DatasetError(`${where}: not an eval case: ${problems}`, line, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
