import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHttpApi, toNodeListener } from "../../functions/http/index.ts";
import { evalCommand } from "../../infra/local/eval-cli.ts";
import { parseDataset } from "../../shared/evals/case.ts";
import type { EvalReport } from "../../shared/evals/run-eval.ts";
import { type DemoChatServer, startDemoChatServer } from "../browser/demo-chat-server.ts";
import { PromptReadingModel } from "../support/prompt-reading-model.ts";

/**
 * `twelve eval add` and `twelve eval run` end to end: threads recorded through the HTTP API with
 * the OpenAI adapter talking to a Chat Completions server that answers by reading the prompt,
 * exported as cases, then replayed by the candidate agents module.
 */
const AGENTS = "test/fixtures/evals/agents.ts";
let chat: DemoChatServer;
let api: Server;
let url: string;
let dir: string;
let dataset: string;
let fixture: typeof import("../fixtures/evals/agents.ts");
let baseline: Awaited<ReturnType<typeof run>>;
let baselineToolRuns: number;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await evalCommand(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function post(path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer eval-key" },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { threadId: string; status: string };
}

/** The thread once its in-process steps settle in `status`. */
async function settled(threadId: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const thread = await get(`/threads/${threadId}`);
    if (thread.status === status) return thread;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`thread ${threadId} never became ${status}`);
}

async function get(path: string) {
  const response = await fetch(`${url}${path}`, { headers: { authorization: "Bearer eval-key" } });
  return (await response.json()) as { status: string; pending: { callId: string } | null };
}

beforeAll(async () => {
  chat = await startDemoChatServer(new PromptReadingModel());
  vi.stubEnv("EVAL_CHAT_URL", chat.baseURL);
  fixture = await import("../fixtures/evals/agents.ts");
  const http = createHttpApi({ agents: fixture.agents, model: fixture.model, apiKey: "eval-key" });
  api = createServer(toNodeListener(http.fetch));
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), "twelve-evals-"));
  dataset = join(dir, "calculator.jsonl");

  // Record: one thread with a division (approved), one without, one with a rejected division.
  const plain = await post("/threads", { agent: "calculator", message: "what is 2 * 3 + 1?" });
  const divided = await post("/threads", { agent: "calculator", message: "what is (3 + 5) / 2?" });
  await settled(plain.threadId, "done");
  const approval = await settled(divided.threadId, "waiting_for_approval");
  await post(`/threads/${divided.threadId}/responses`, {
    callId: approval.pending?.callId,
    approved: true,
  });
  await settled(divided.threadId, "done");
  vi.stubEnv("AGENT_API_KEY", "eval-key");
  for (const [id, thread] of [
    ["plain", plain.threadId],
    ["divided", divided.threadId],
  ] as const) {
    const added = await run("add", dataset, "--thread", thread, "--url", url, "--id", id);
    expect(added).toMatchObject({ code: 0, out: expect.stringContaining(`added case ${id}`) });
  }
  // Replay: the unchanged agents, the baseline the candidates are compared with.
  const before = fixture.toolRuns.count;
  baseline = await run("run", dataset, "--agents", AGENTS, "--json", join(dir, "baseline.json"));
  baselineToolRuns = fixture.toolRuns.count - before;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => api.close(resolve));
  await chat.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("twelve eval", () => {
  it("add writes one case per thread, cut at the first message", () => {
    const lines = readFileSync(dataset, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    const divided = JSON.parse(lines[1] as string);
    expect(divided).toMatchObject({ version: 1, id: "divided", agent: "calculator" });
    expect(divided.events).toHaveLength(1);
    expect(divided.expect.calls.map((c: { tool: string }) => c.tool)).toEqual([
      "add",
      "divide",
      "done_for_now",
    ]);
  });

  it("run passes every case with the unchanged agents, never running a recorded tool", () => {
    expect(baseline.err).toBe("");
    expect(baseline.code).toBe(0);
    expect(baseline.out).toMatch(/^plain\s+passed/m);
    expect(baseline.out).toMatch(/^divided\s+passed/m);
    expect(baseline.out).toContain("2/2 passed (100.0%)");
    expect(baselineToolRuns).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "baseline.json"), "utf8"));
    expect(report.summary).toMatchObject({ total: 2, passed: 2, passRate: 1 });
  });

  it("run with a changed prompt diverges where it should and exits non-zero below --min-pass", async () => {
    vi.stubEnv("EVAL_PROMPT_SUFFIX", "\nNever divide: ask for another way.");
    try {
      const markdown = join(dir, "summary.md");
      const result = await run(
        "run",
        dataset,
        "--agents",
        AGENTS,
        "--baseline",
        join(dir, "baseline.json"),
        "--markdown",
        markdown,
      );
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/^plain\s+passed/m);
      expect(result.out).toMatch(
        /^divided\s+diverged .*step 2: call 2 differs from the recording; recorded divide\(\{"a":8,"b":2\}\), replay request_more_information/m,
      );
      expect(result.out).toContain("below --min-pass 1");
      expect(result.out).toContain("vs baseline: pass rate 100.0% -> 50.0%");
      expect(result.out).toContain("divided: passed -> diverged");
      expect(readFileSync(markdown, "utf8")).toContain("| `divided` | diverged |");
      const lenient = await run("run", dataset, "--agents", AGENTS, "--min-pass", "0.5");
      expect(lenient.code).toBe(0);
    } finally {
      vi.stubEnv("EVAL_PROMPT_SUFFIX", undefined); // unset again for the tests after this one
    }
  });

  it("runs the cases N times with --trials and reports the spread", async () => {
    const json = join(dir, "trials.json");
    const markdown = join(dir, "trials.md");
    const result = await run(
      "run",
      dataset,
      "--agents",
      AGENTS,
      "--trials",
      "2",
      "--json",
      json,
      "--markdown",
      markdown,
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain("4/4 passed");
    expect(result.out).toContain("trials: 2 per case");
    const report = JSON.parse(readFileSync(json, "utf8")) as EvalReport;
    const stepsOf = (id: string) => report.results.find((r) => r.caseId === id)?.steps ?? -1;
    const tokensOf = (id: string) => {
      const r = report.results.find((r) => r.caseId === id);
      return (r?.tokens.input ?? 0) + (r?.tokens.output ?? 0);
    };
    expect(report.spread).toEqual(
      ["plain", "divided"].map((caseId) => ({
        caseId,
        trials: 2,
        passed: 2,
        steps: { min: stepsOf(caseId), max: stepsOf(caseId) },
        tokens: { min: tokensOf(caseId), max: tokensOf(caseId) },
        costUsd: expect.objectContaining({ min: expect.any(Number) }),
      })),
    );
    expect(stepsOf("divided")).toBe(3);
    expect(result.out).toContain(
      `  divided: passed 2 of 2; steps 3, tokens ${tokensOf("divided")}`,
    );
    const summary = readFileSync(markdown, "utf8");
    expect(summary).toContain("| case | passed | steps | tokens | cost |");
    expect(summary).toMatch(
      new RegExp(
        `^\\| \`divided\` \\| 2/2 \\| 3 \\| ${tokensOf("divided")} \\| \\$[0-9.]+ \\|$`,
        "m",
      ),
    );
  });

  it("replays with another agent of the module (--agent), and runs tools live (--tools live)", async () => {
    const named = await run("run", dataset, "--agents", AGENTS, "--agent", "calculator");
    expect(named.code).toBe(0);
    const unknown = await run("run", dataset, "--agents", AGENTS, "--agent", "nobody");
    expect(unknown).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown agent "nobody"/),
    });
    const before = fixture.toolRuns.count;
    const live = await run("run", dataset, "--agents", AGENTS, "--tools", "live");
    expect(live.code).toBe(0);
    // 2 * 3 + 1 and (3 + 5) / 2: two calls each.
    expect(fixture.toolRuns.count - before).toBe(4);
  });

  it("runs custom scorers from an eval config", async () => {
    const config = "test/fixtures/evals/scorers.ts";
    const result = await run(
      "run",
      dataset,
      "--agents",
      AGENTS,
      "--config",
      config,
      "--json",
      join(dir, "s.json"),
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "s.json"), "utf8"));
    expect(report.results[0].scores.map((s: { scorer: string }) => s.scorer)).toContain(
      "states a number",
    );
  });

  it("replays from cassettes without asking the model server, and fails closed on a miss", async () => {
    const beforeRecording = chat.requests();
    const cassettes = join(dir, "cassettes");
    const recorded = await run(
      "run",
      dataset,
      "--agents",
      AGENTS,
      "--cassettes",
      cassettes,
      "--record",
    );
    expect(recorded.code).toBe(0);
    // The server stays up (the other tests use it): that it answered nothing more is the proof.
    const answered = chat.requests();
    expect(answered).toBeGreaterThan(beforeRecording);
    const offline = await run("run", dataset, "--agents", AGENTS, "--cassettes", cassettes);
    expect(offline.code).toBe(0);
    expect(chat.requests()).toBe(answered);
    rmSync(join(cassettes, readdirSync(cassettes).sort()[0] as string));
    const missing = await run("run", dataset, "--agents", AGENTS, "--cassettes", cassettes);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/error .*calculator\.jsonl:\d \(case \w+\), step \d: no cassette/);
    // Fails closed whatever the gate: a miss is no evidence.
    const gated = await run(
      "run",
      dataset,
      "--agents",
      AGENTS,
      "--cassettes",
      cassettes,
      "--min-pass",
      "0",
    );
    expect(gated.code).toBe(1);
    expect(gated.out).toContain(
      "1 replay missed a cassette: the run fails whatever --min-pass says (record with --record)",
    );
    expect(chat.requests()).toBe(answered);
  });
});

describe("twelve eval run with the environment's model", () => {
  it("replays from cassettes with no OPENAI_API_KEY: the cassettes bear the environment model's identity", async () => {
    const agents = "test/fixtures/evals/env-agents.ts";
    const cassettes = join(dir, "env-cassettes");
    vi.stubEnv("OPENAI_API_KEY", "test");
    vi.stubEnv("OPENAI_BASE_URL", chat.baseURL);
    const recorded = await run(
      "run",
      dataset,
      "--agents",
      agents,
      "--cassettes",
      cassettes,
      "--record",
    );
    expect(recorded).toMatchObject({ code: 0, err: "" });
    const answered = chat.requests();
    vi.stubEnv("OPENAI_API_KEY", undefined);
    vi.stubEnv("OPENAI_BASE_URL", undefined);
    const offline = await run("run", dataset, "--agents", agents, "--cassettes", cassettes);
    expect(offline.out).toContain("2/2 passed");
    expect(offline.code).toBe(0);
    expect(chat.requests()).toBe(answered);
    // Another AGENT_MODEL is another identity: its requests are not in the cassettes.
    vi.stubEnv("AGENT_MODEL", "gpt-4o");
    const other = await run("run", dataset, "--agents", agents, "--cassettes", cassettes);
    vi.stubEnv("AGENT_MODEL", undefined);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/step 1: no cassette for this model request/);
    // Without cassettes, no key is no model: every case says so.
    const live = await run("run", dataset, "--agents", agents);
    expect(live.code).toBe(1);
    expect(live.out).toMatch(/no model for agent "calculator"/);
  });
});

describe("twelve eval schema", () => {
  it("prints the case format as JSON Schema", async () => {
    const result = await run("schema");
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.out);
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.properties.version).toMatchObject({ const: 1 });
  });
});

describe("twelve eval: hostile input", () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const good = () => readFileSync(dataset, "utf8").trim().split("\n")[0] as string;

  it("names the line of a malformed dataset line", async () => {
    const path = write("bad.jsonl", `${good()}\n{"version": 1,\n`);
    const result = await run("run", path, "--agents", AGENTS);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^twelve: .*bad\.jsonl:2: not JSON/);
  });

  it("names the line of a case whose agent the module does not serve", async () => {
    const other = JSON.stringify({ ...JSON.parse(good()), id: "x", agent: "nobody" });
    const path = write("agent.jsonl", `${good()}\n${other}\n`);
    const result = await run("run", path, "--agents", AGENTS);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/agent\.jsonl:2 \(case x\): unknown agent "nobody"/);
  });

  it("names the line of a case from a newer schema version", async () => {
    const newer = JSON.stringify({ ...JSON.parse(good()), id: "n", version: 2 });
    const path = write("newer.jsonl", `${newer}\n`);
    const result = await run("run", path, "--agents", AGENTS);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/newer\.jsonl:1: the case is of format version 2/);
  });

  it("add reads the dataset first: a bad one or a taken id is refused by line, and nothing is written", async () => {
    const plain = good();
    const { threadId } = JSON.parse(plain) as { threadId: string };
    const add = (path: string, ...more: string[]) =>
      run("add", path, "--thread", threadId, "--url", url, ...more);
    const taken = write("taken.jsonl", `${plain}\n`);
    const twice = await add(taken, "--id", "plain");
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(
      /^twelve: .*taken\.jsonl:1 \(case plain\): the dataset has a case "plain" already: give the new one another id with --id$/,
    );
    expect(readFileSync(taken, "utf8")).toBe(`${plain}\n`);
    const broken = write("broken.jsonl", `${plain}\n{"version": 1,\n`);
    const refused = await add(broken, "--id", "other");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^twelve: .*broken\.jsonl:2: not JSON/);
    expect(readFileSync(broken, "utf8")).toBe(`${plain}\n{"version": 1,\n`);
  });

  it("add puts the case on a line of its own when the dataset does not end in a newline", async () => {
    const plain = good();
    const { threadId } = JSON.parse(plain) as { threadId: string };
    const path = write("no-newline.jsonl", plain);
    const added = await run("add", path, "--thread", threadId, "--url", url, "--id", "again");
    expect(added.code).toBe(0);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(parseDataset(text, path).map((c) => c.id)).toEqual(["plain", "again"]);
  });

  it("add says in one line that the dataset's folder is missing or the dataset is a folder", async () => {
    const { threadId } = JSON.parse(good()) as { threadId: string };
    const nowhere = join(dir, "missing-folder", "cases.jsonl");
    const missing = await run("add", nowhere, "--thread", threadId, "--url", url);
    expect(missing).toMatchObject({ code: 2, out: "" });
    expect(missing.err).toMatch(
      /^twelve: cannot write the dataset .*cases\.jsonl: there is no folder .*missing-folder$/,
    );
    expect(existsSync(join(dir, "missing-folder"))).toBe(false);
    const folder = await run("add", dir, "--thread", threadId, "--url", url);
    expect(folder).toMatchObject({
      code: 2,
      err: `twelve: cannot read the dataset ${dir}: it is a folder`,
    });
  });

  it("refuses an empty dataset: no cases is not a pass", async () => {
    const path = write("empty.jsonl", "\n");
    const result = await run("run", path, "--agents", AGENTS, "--min-pass", "0");
    expect(result).toMatchObject({ code: 2, out: "" });
    expect(result.err).toMatch(/^twelve: .*empty\.jsonl: no cases: the dataset is empty$/);
  });

  it("refuses a --min-pass or --trials that is not a number in range, running nothing", async () => {
    for (const [flag, value, says] of [
      ["--min-pass", "", "a ratio from 0 to 1"],
      ["--min-pass", "0x1", "a ratio from 0 to 1"],
      ["--min-pass", "80%", "a ratio from 0 to 1"],
      ["--min-pass", "1.5", "a ratio from 0 to 1"],
      ["--trials", "0x2", "a whole number from 1 to 1000"],
      ["--trials", "1001", "a whole number from 1 to 1000"],
      ["--trials", "1.5", "a whole number from 1 to 1000"],
    ] as const) {
      const result = await run("run", dataset, "--agents", AGENTS, `${flag}=${value}`);
      expect(result).toEqual({
        code: 2,
        out: "",
        err: `twelve: ${flag} must be ${says}, got "${value}"`,
      });
    }
  });

  it("says in one line that the dataset is a folder or an output's folder is missing, before running", async () => {
    const folder = await run("run", dir, "--agents", AGENTS);
    expect(folder).toEqual({
      code: 2,
      out: "",
      err: `twelve: cannot read the dataset ${dir}: it is a folder`,
    });
    for (const flag of ["--json", "--markdown"]) {
      const nowhere = join(dir, "no-such-folder", "out");
      const result = await run("run", dataset, "--agents", AGENTS, flag, nowhere);
      expect(result).toEqual({
        code: 2,
        out: "",
        err: `twelve: cannot write ${flag} ${nowhere}: there is no folder ${join(dir, "no-such-folder")}`,
      });
    }
  });

  it("add names a thread the API does not have", async () => {
    const result = await run("add", join(dir, "x.jsonl"), "--thread", "thr_nope", "--url", url);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/GET \/threads\/thr_nope: 404/);
  });
});

describe("bin twelve eval", () => {
  const twelve = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["--conditions=twelve-source", "infra/local/bin.ts", "eval", ...args],
      {
        encoding: "utf8",
      },
    );

  it("exits 0 on a passing run and 2 on a dataset error, without the local stack's peers", () => {
    const examples = "shared/examples/evals";
    const passing = twelve(
      "run",
      `${examples}/deploybot.jsonl`,
      "--agents",
      "shared/examples/agents.ts",
      "--cassettes",
      `${examples}/cassettes`,
    );
    expect(passing.stdout).toContain("2/2 passed");
    expect(passing.status).toBe(0);
    const broken = twelve("run", "package.json", "--agents", "shared/examples/agents.ts");
    expect(broken.stderr).toMatch(/^twelve: package\.json:1: not JSON/);
    expect(broken.status).toBe(2);
  });
});
