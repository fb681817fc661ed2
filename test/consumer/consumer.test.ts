import { execFile, execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import type { Model } from "../../shared/core/ports.ts";
import { call } from "../../shared/testing/index.ts";
import { type DemoChatServer, startDemoChatServer } from "../browser/demo-chat-server.ts";
import {
  type AnthropicServer,
  startAnthropicServer,
  toolUseMessage,
} from "../llm/anthropic-server.ts";
import { type ChatServer, startChatServer } from "../llm/chat-server.ts";
import { toolCallCompletion } from "../llm/completions.ts";
import {
  type ConverseServer,
  type ConverseServerOptions,
  startConverseServer,
  toolUseAnswer,
} from "../llm/converse-server.ts";
import { FakeMcpServer } from "../llm/mcp-server.ts";
import { docSnippet, promisedOutput, readmeSnippets } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

/**
 * The package as a product gets it: `npm pack` (prepack compiles dist/), then fresh projects
 * outside the repository install the tarball with docs/install.md's install lines and use only
 * what they installed: the in-process line alone (its size, the runner, and the one line each
 * entry point with optional peers fails with), then its bedrock and ai-sdk lines (docs/
 * model-providers.md's agents to done on the model fakes), and the local, deploy, bedrock and
 * ai-sdk lines together (everything: `twelve dev`, `cdk synth`). The model fakes run in this
 * process; the projects reach them by URL through the environment. The versions beside the names
 * are the repository's own, so the run is reproducible and comes from npm's cache.
 */
const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version: string }>;
};
const pinned = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`;
const fixtures = join(import.meta.dirname, "project");
const execFileAsync = promisify(execFile);

/** The most `npm install twelve-agents zod` may put in a fresh project's node_modules. */
const LEAN_INSTALL_BYTES = 25 * 1024 * 1024;

/** docs/install.md's install lines, by the label after ```sh, as the packages they name. */
function installLines(): Record<string, string[]> {
  const page = readFileSync(join(repoRoot, "docs", "install.md"), "utf8");
  return Object.fromEntries(
    [...page.matchAll(/```sh ([\w-]+)\nnpm install ([^\n]+)\n```/g)].map((match) => [
      match[1] as string,
      (match[2] as string).split(/\s+/),
    ]),
  );
}

/** docs/install.md's ```js blocks with a file name. */
function installSnippets(): { file: string; code: string }[] {
  const page = readFileSync(join(repoRoot, "docs", "install.md"), "utf8");
  return [...page.matchAll(/```js ([\w.-]+)\n([\s\S]*?)```/g)].map((match) => ({
    file: match[1] as string,
    code: match[2] as string,
  }));
}

let tarball: string;
let packDir: string;
let project: string;

/** The environment a product's shell has: none of this repository's npm or Node settings. */
function productEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key.startsWith("npm_") || key.startsWith("VITEST")) continue;
    env[key] = value;
  }
  return { ...env, POWERTOOLS_LOG_LEVEL: "ERROR", ...extra };
}

/** Runs a command in `cwd` (default: the full project); a failure carries what it printed. */
function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  cwd: string = project,
): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: productEnv(env),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw Object.assign(new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`), {
      stdout,
      stderr,
    });
  }
}

/**
 * Runs a command without blocking this process, whose local servers (the model fakes) must answer
 * it; what it printed to stdout.
 */
async function runAsync(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd, env: productEnv(env) });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
  }
}

/** The Bedrock model of docs/model-providers.md's bedrock.ts and of project/bedrock-agents.ts. */
const BEDROCK_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
/** The Bedrock model of project/provider-agents.ts: the newest Claude, which refuses a forced choice. */
const REFUSING_MODEL = "us.anthropic.claude-sonnet-5-5-v1:0";

/** The SDK's default chain, as on a developer's machine, pointed at a local Converse server. */
const bedrockEnv = (converse: ConverseServer): Record<string, string> => ({
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: converse.endpoint,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
});

/** Each Converse request's model and the kind of its tool choice (`any`, `auto`, ...). */
const toolChoices = (converse: ConverseServer): [string, string[]][] =>
  converse.requests.map((request) => [
    request.modelId,
    Object.keys((request.body.toolConfig as { toolChoice?: object } | undefined)?.toolChoice ?? {}),
  ]);

/**
 * A template value with its `Fn::Join`s joined and `Ref`s written `{Name}` (the partition as
 * `aws`), as the deployed ARN reads.
 */
function deployed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deployed);
  if (!value || typeof value !== "object") return value;
  const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (join) {
    const part = (p: unknown) => {
      const ref = (p as { Ref?: string }).Ref;
      if (ref === undefined) return p;
      return ref === "AWS::Partition" ? "aws" : `{${ref}}`;
    };
    return join[1].map(part).join(join[0]);
  }
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, deployed(v)]));
}

/** Runs a command that must fail; what it printed to stderr. */
function runFailing(command: string, args: string[], cwd: string): string {
  try {
    run(command, args, {}, cwd);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`${command} ${args.join(" ")} succeeded`);
}

/** A fresh project (an ES module package) with the README's files and those of docs/install.md. */
function freshProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "twelve-consumer-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "shop", private: true, type: "module" }, null, 2),
  );
  for (const snippet of [...readmeSnippets(), ...installSnippets()]) {
    if (snippet.file) writeFileSync(join(dir, snippet.file), snippet.code);
  }
  return dir;
}

/** `npm install` of an install line: the packed tarball for twelve-agents, pinned versions else. */
function install(cwd: string, names: readonly string[]): void {
  const specs = names.map((name) => (name === "twelve-agents" ? tarball : pinned(name)));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs], {}, cwd);
}

beforeAll(() => {
  packDir = mkdtempSync(join(tmpdir(), "twelve-pack-"));
  const packed = run(
    "npm",
    ["pack", "--silent", "--pack-destination", packDir, repoRoot],
    {},
    packDir,
  );
  tarball = join(packDir, packed.trim().split("\n").at(-1) as string);
  project = freshProject();
  // The README's "Use Twelve in your product" files, as written, and two files of types.
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(project, file));
  const lines = installLines();
  const uses = [lines.local, lines.deploy, lines.bedrock, lines["ai-sdk"]].flatMap(
    (line) => line ?? [],
  );
  install(project, [...new Set(uses)]);
}, 600_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(packDir, { recursive: true, force: true });
});

/** The entry points behind a gate, and the implementation each loads. */
const gated = [
  { entry: "twelve-agents/openai", implementation: "dist/shared/llm/index.js" },
  { entry: "twelve-agents/bedrock", implementation: "dist/shared/llm/bedrock/index.js" },
  { entry: "twelve-agents/ai-sdk", implementation: "dist/shared/llm/ai-sdk/index.js" },
  { entry: "twelve-agents/aws", implementation: "dist/functions/index.js" },
  { entry: "twelve-agents/http", implementation: "dist/functions/http/index.js" },
  { entry: "twelve-agents/cdk", implementation: "dist/infra/index.js" },
];

describe("npm install twelve-agents zod (the in-process line), in a fresh project", () => {
  let lean: string;

  beforeAll(() => {
    lean = freshProject();
    install(lean, installLines()["in-process"] ?? []);
  }, 300_000);

  afterAll(() => rmSync(lean, { recursive: true, force: true }));

  it("installs at most 25 MB, and none of the adapters' SDKs", () => {
    const kib = Number(run("du", ["-sk", "node_modules"], {}, lean).split("\t")[0]);
    expect(kib * 1024).toBeLessThanOrEqual(LEAN_INSTALL_BYTES);
    const installed = readdirSync(join(lean, "node_modules"));
    expect(installed).toEqual(expect.arrayContaining(["twelve-agents", "zod"]));
    for (const sdk of ["@aws-sdk", "@aws-lambda-powertools", "openai", "aws-cdk-lib", "esbuild"]) {
      expect(installed).not.toContain(sdk);
    }
  });

  it("runs the README's run.ts: the project's agent in process, approved to done", () => {
    const output = run(process.execPath, ["run.ts"], {}, lean).replaceAll("\n", " ");
    const promised = promisedOutput(readmeSnippets().find((s) => s.file === "run.ts")?.code ?? "");
    expect(promised).toEqual(["waiting_for_approval refund_order", "done Refunded 42 for A-1."]);
    for (const line of promised) expect(output).toContain(line);
  });

  it("runs docs/install.md's run.cjs: a CommonJS script require()s the runner and the test kit", () => {
    const runCjs = installSnippets().find((s) => s.file === "run.cjs");
    const promised = promisedOutput(runCjs?.code ?? "");
    expect(promised).toEqual(["done Hello!"]);
    expect(run(process.execPath, ["run.cjs"], {}, lean).trim()).toBe(promised[0]);
  });

  it.each(gated)(
    "fails to import or require $entry with one line naming the npm install command",
    ({ entry }) => {
      const line = (stderr: string) =>
        stderr.split("\n").find((l) => l.includes("needs its optional peer dependencies"));
      const imported = runFailing(
        process.execPath,
        ["--input-type=module", "-e", `await import(${JSON.stringify(entry)});`],
        lean,
      );
      const required = runFailing(
        process.execPath,
        ["-e", `require(${JSON.stringify(entry)});`],
        lean,
      );
      expect(line(imported)).toMatch(
        new RegExp(
          `^ConfigError: ${entry} needs its optional peer dependencies: npm install [@\\w/ -]+$`,
        ),
      );
      expect(line(required)).toBe(line(imported));
      expect(imported).not.toContain("ERR_MODULE_NOT_FOUND");
    },
  );

  it("names the command in one line when twelve dev starts without its peers", () => {
    const twelve = join(lean, "node_modules", ".bin", "twelve");
    const stderr = runFailing(twelve, ["dev", "--agents", "./agents.ts"], lean);
    const prefix = "twelve: twelve dev needs its optional peer dependencies: npm install ";
    expect(stderr.startsWith(prefix)).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    // The packages it names are those docs/install.md's local line adds to the in-process one.
    const named = stderr.trim().slice(prefix.length).split(" ");
    const local = installLines().local?.filter((name) => !["twelve-agents", "zod"].includes(name));
    expect(named.sort()).toEqual(local?.sort());
  });

  it("runs docs/model-providers.md's bedrock.ts with the bedrock line: to done on the Converse fake, after the model refused the forced tool choice", async () => {
    // Prepare
    install(lean, installLines().bedrock ?? []);
    expect(readdirSync(join(lean, "node_modules"))).not.toContain("openai");
    const snippet = docSnippet("docs/model-providers.md", "bedrock.ts");
    writeFileSync(join(lean, "bedrock.ts"), snippet.code);
    const refuses: ConverseServerOptions = { refuseForcedChoice: (id) => id === BEDROCK_MODEL };
    const converse = await startConverseServer(refuses);
    converse.enqueue(
      toolUseAnswer([["lookup_order", { orderId: "A-1" }]]),
      toolUseAnswer([["done_for_now", { message: "A-1 has shipped." }]]),
    );

    // Act
    let printed: string;
    try {
      printed = await runAsync(process.execPath, ["bedrock.ts"], bedrockEnv(converse), lean);
    } finally {
      await converse.close();
    }

    // Assess: one 400 to the forced choice, then auto with the one-call line, to done.
    expect(printed.trim().split("\n")).toEqual(promisedOutput(snippet.code));
    expect(toolChoices(converse)).toEqual([
      [BEDROCK_MODEL, ["any"]],
      [BEDROCK_MODEL, ["auto"]],
      [BEDROCK_MODEL, ["auto"]],
    ]);
    expect(JSON.stringify(converse.requests[1]?.body.system)).toContain("exactly one tool call");
  });

  it("runs docs/model-providers.md's ai-sdk.ts with the ai-sdk line: an aiSdk(anthropic(...)) agent to done on the Messages API fake", async () => {
    // Prepare
    install(lean, installLines()["ai-sdk"] ?? []);
    const snippet = docSnippet("docs/model-providers.md", "ai-sdk.ts");
    writeFileSync(join(lean, "ai-sdk.ts"), snippet.code);
    const messages: AnthropicServer = await startAnthropicServer();
    messages.enqueue(
      { status: 200, body: toolUseMessage([["add", { a: 2, b: 3 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "5" }]]) },
    );

    // Act
    let printed: string;
    try {
      const env = { ANTHROPIC_BASE_URL: messages.baseURL, ANTHROPIC_API_KEY: messages.apiKey };
      printed = await runAsync(process.execPath, ["ai-sdk.ts"], env, lean);
    } finally {
      await messages.close();
    }

    // Assess
    expect(printed.trim().split("\n")).toEqual(promisedOutput(snippet.code));
    expect(messages.requests.map((request) => request.body.tool_choice)).toEqual([
      { type: "auto", disable_parallel_tool_use: true },
      { type: "auto", disable_parallel_tool_use: true },
    ]);
  });

  it("imports twelve-agents/openai once the openai line installed its peer", () => {
    install(lean, installLines().openai ?? []);
    const names = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'console.log(Object.keys(await import("twelve-agents/openai")).join())',
      ],
      {},
      lean,
    );
    expect(names).toContain("OpenAIModel");
  });
});

describe("The packed package, installed in a fresh project", () => {
  it("ships compiled JavaScript and declarations, and none of the repository's sources", () => {
    const pkg = join(project, "node_modules", "twelve-agents");
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
    expect(Object.keys(manifest.exports)).toEqual([
      ".",
      "./testing",
      "./evals",
      "./openai",
      "./bedrock",
      "./ai-sdk",
      "./mcp",
      "./aws",
      "./http",
      "./cdk",
      "./package.json",
    ]);
    expect(readdirSync(pkg).sort()).toEqual(["README.md", "dist", "package.json"]);
    expect(readdirSync(join(pkg, "dist", "shared"))).not.toContain("examples");
  });

  it.each(gated)(
    "gates $entry: import and require give the names its implementation exports",
    ({ entry, implementation }) => {
      const keys = (load: string) =>
        run(process.execPath, [
          "--input-type=module",
          "-e",
          `console.log(Object.keys(${load}).sort().join())`,
        ]).trim();
      const file = pathToFileURL(join(project, "node_modules", "twelve-agents", implementation));
      const own = keys(`await import(${JSON.stringify(file.href)})`);
      expect(own.split(",").length).toBeGreaterThan(1);
      expect(keys(`await import(${JSON.stringify(entry)})`)).toBe(own);
      const required = run(process.execPath, [
        "-e",
        `console.log(Object.keys(require(${JSON.stringify(entry)})).sort().join())`,
      ]).trim();
      expect(required).toBe(own);
    },
  );

  it("bundles through a gate: esbuild inlines twelve-agents/aws into a handler of the project's own", () => {
    writeFileSync(
      join(project, "own-handler.mjs"),
      'import { createHandlers } from "twelve-agents/aws";\nexport const kind = typeof createHandlers;\n',
    );
    // Outside the project: the bundle runs on what it holds, as in Lambda.
    const out = mkdtempSync(join(tmpdir(), "twelve-bundle-"));
    try {
      run(join(project, "node_modules", ".bin", "esbuild"), [
        "own-handler.mjs",
        "--bundle",
        "--format=esm",
        "--platform=node",
        `--outfile=${join(out, "index.mjs")}`,
        "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      ]);
      const bundle = pathToFileURL(join(out, "index.mjs")).href;
      const kind = run(process.execPath, [
        "--input-type=module",
        "-e",
        `console.log((await import(${JSON.stringify(bundle)})).kind)`,
      ]);
      expect(kind.trim()).toBe("function");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("runs the README's run.ts: the project's agent in process, approved to done", () => {
    const output = run(process.execPath, ["run.ts"]).replaceAll("\n", " ");
    const runTs = readmeSnippets().find((snippet) => snippet.file === "run.ts");
    const promised = promisedOutput(runTs?.code ?? "");
    expect(promised).toEqual(["waiting_for_approval refund_order", "done Refunded 42 for A-1."]);
    for (const line of promised) expect(output).toContain(line);
  });

  it("type-checks code against the published declarations, and catches a wrong type", () => {
    const tsc = join(repoRoot, "node_modules", ".bin", "tsc");
    const options = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--target",
      "es2024",
      "--types",
      "",
      "--allowImportingTsExtensions",
      "--skipLibCheck",
    ];
    expect(() => run(tsc, [...options, "typed.ts", "agents.ts"])).not.toThrow();
    let failure = "";
    try {
      run(tsc, [...options, "wrong.ts"]);
    } catch (error) {
      failure = String((error as { stdout?: string }).stdout);
    }
    expect(failure).toMatch(
      /wrong\.ts\(\d+,\d+\): error TS2322: Type '.*' is not assignable to type 'number'/,
    );
  });

  it("synthesizes an existing stack with TwelveRuntime, whose worker bundle holds the project's agent", () => {
    run(process.execPath, ["app.ts"]);
    const template = JSON.parse(
      readFileSync(join(project, "cdk.out", "Shop.template.json"), "utf8"),
    );
    const resources = Object.values(template.Resources) as {
      Type: string;
      Properties: Record<string, unknown>;
    }[];
    expect(resources.some((r) => r.Type === "AWS::S3::Bucket")).toBe(true);
    const functions = resources.filter((r) => r.Type === "AWS::Lambda::Function");
    // api, worker, trigger, reconciler, authorizer, notify, reaper
    expect(functions).toHaveLength(7);
    const worker = functions.find((fn) =>
      JSON.stringify(fn.Properties.Environment).includes("twelve-worker"),
    );
    if (!worker) throw new Error("no worker function in the template");
    expect(worker.Properties.Runtime).toBe("nodejs24.x");
    const key = (worker.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, "");
    const bundle = readFileSync(join(project, "cdk.out", `asset.${key}`, "index.mjs"), "utf8");
    expect(bundle).toContain("refund_order");
    expect(bundle).toContain("You handle refund requests.");
  });

  it("synthesizes a Bedrock-only app: its worker may invoke exactly its agent's model, no OpenAI secret, and its bundle has neither openai nor a Bedrock client of its own", () => {
    run(process.execPath, ["bedrock-app.ts"]);
    const template = JSON.parse(
      readFileSync(join(project, "cdk.out", "ShopOnBedrock.template.json"), "utf8"),
    );
    const resources = Object.values(template.Resources) as {
      Type: string;
      Properties: Record<string, unknown>;
    }[];
    const secrets = resources.filter((r) => r.Type === "AWS::SecretsManager::Secret");
    expect(secrets.map((secret) => String(secret.Properties.Description))).not.toContainEqual(
      expect.stringContaining("OpenAI"),
    );
    type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
    const policies = resources.filter((r) => r.Type === "AWS::IAM::Policy");
    const granting = policies.filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('"bedrock:'),
    );
    // Only the worker's role may call the model.
    const worker = Object.entries(template.Resources as Record<string, { Type: string }>).find(
      ([, r]) => r.Type === "AWS::Lambda::Function" && JSON.stringify(r).includes("twelve-worker"),
    )?.[1] as
      | { Properties: { Role: { "Fn::GetAtt": [string, string] }; Code: { S3Key: string } } }
      | undefined;
    const role = worker?.Properties.Role["Fn::GetAtt"][0];
    expect(granting.map((policy) => policy.Properties.Roles)).toEqual([[{ Ref: role }]]);
    const granted = granting
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => [s.Action].flat().some((action) => action.startsWith("bedrock:")))
      .map((s) => deployed(s) as Statement);
    const profile = `arn:aws:bedrock:{AWS::Region}:{AWS::AccountId}:inference-profile/${BEDROCK_MODEL}`;
    // The profile, and the foundation model it routes to only through that profile.
    expect(granted).toEqual([
      {
        Action: "bedrock:InvokeModel",
        Effect: "Allow",
        // The us. geography's destination Regions, each named: no wildcard.
        Resource: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"].map(
          (region) =>
            `arn:aws:bedrock:${region}::foundation-model/${BEDROCK_MODEL.replace(/^us\./, "")}`,
        ),
        Condition: { StringEquals: { "bedrock:InferenceProfileArn": profile } },
      },
      { Action: "bedrock:InvokeModel", Effect: "Allow", Resource: profile },
    ]);
    // The worker's bundle holds the agent, the runtime's Bedrock client and no OpenAI SDK.
    const key = worker?.Properties.Code.S3Key ?? "";
    const file = join(project, "cdk.out", `asset.${key.replace(/\.zip$/, "")}`, "index.mjs");
    const bundle = readFileSync(file, "utf8");
    expect(bundle).toContain("Answer questions about orders.");
    expect(bundle).toContain("The OpenAI SDK is not in this function's bundle");
    expect(bundle).not.toContain("OpenAI-Organization");
    expect(bundle).toContain("@aws-sdk/client-bedrock-runtime");
    expect(bundle).not.toContain("AmazonBedrockFrontendService");
  });

  describe("twelve dev --agents ./dev-agents.ts (the README's agent, agents on Bedrock and the AI SDK, agents that call agents, callback tools)", () => {
    let dev: TwelveDev | undefined;
    let chat: ChatServer;
    let converse: ConverseServer;
    let messages: AnthropicServer;
    let ci: CiServer;
    let url: string;
    const output = () => dev?.output() ?? "";

    beforeAll(async () => {
      chat = await startChatServer();
      // Both fakes refuse a forced tool choice from the newest Claude, as the services do.
      converse = await startConverseServer({ refuseForcedChoice: (id) => id === REFUSING_MODEL });
      messages = await startAnthropicServer({ refuseForcedChoice: ["claude-sonnet-5-5"] });
      ci = await startCiServer();
      dev = await startTwelveDev(project, "./dev-agents.ts", {
        TWELVE_DATA_DIR: join(project, ".data"),
        OPENAI_API_KEY: "test-key",
        OPENAI_BASE_URL: chat.baseURL,
        AGENT_API_KEY: "",
        ...bedrockEnv(converse),
        ANTHROPIC_BASE_URL: messages.baseURL,
        ANTHROPIC_API_KEY: messages.apiKey,
        CI_URL: ci.url,
        // A callback's expiry is closed by the reconciler's sweep: every second, not 30 s.
        TWELVE_RECONCILE_SECONDS: "1",
      });
      url = dev.url;
    }, 120_000);

    afterAll(async () => {
      await dev?.stop();
      await chat?.close();
      await converse?.close();
      await messages?.close();
      await ci?.close();
    });

    it("serves the web console, built from the package at start", async () => {
      expect(output()).toContain(`console:  ${url}/console`);
      const page = await fetch(`${url}/console/threads/thr_x`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const bundle = await fetch(`${url}${script}`);
      expect(bundle.status).toBe(200);
      expect((await bundle.text()).length).toBeGreaterThan(1000);
    });

    it("serves the project's agent over HTTP: launch, approval, done", async () => {
      expect(output()).toContain("agents:   refunds, support, concierge, adder, lead, releaser");
      chat.enqueue(
        { status: 200, body: toolCallCompletion([["lookup_order", '{"orderId":"A-1"}']]) },
        {
          status: 200,
          body: toolCallCompletion([["refund_order", '{"orderId":"A-1","amount":42}']]),
        },
      );
      const launched = await post("/threads", { agent: "refunds", message: "Refund order A-1" });
      expect(launched.status).toBe(202);
      const threadId = launched.body.threadId as string;
      const waiting = await waitFor(threadId, "waiting_for_approval");
      expect(waiting.pending).toMatchObject({ tool: "refund_order", args: { orderId: "A-1" } });

      chat.enqueue({
        status: 200,
        body: toolCallCompletion([["done_for_now", '{"message":"Refunded 42 for A-1."}']]),
      });
      const approved = await post(`/threads/${threadId}/responses`, {
        callId: waiting.pending.callId,
        approved: true,
      });
      expect(approved.status).toBe(202);
      const done = await waitFor(threadId, "done");
      expect(done.output).toBe("Refunded 42 for A-1.");
      // The real model adapter sent the project's tools, as strict function tools.
      const sent = chat.requests[0]?.body.tools as { function: { name: string } }[] | undefined;
      const tools = (sent ?? []).map((tool) => tool.function.name);
      expect(tools).toEqual(["lookup_order", "refund_order", "done_for_now"]);
    });

    it("serves the agent whose own model is on Bedrock: launch, done, each step a forced call", async () => {
      expect(output()).toMatch(
        /support +bedrock +us\.anthropic\.claude-haiku-4-5-20251001-v1:0 +\(its own model\)/,
      );
      converse.enqueue(
        toolUseAnswer([["lookup_order", { orderId: "A-1" }]]),
        toolUseAnswer([["done_for_now", { message: "A-1 has shipped." }]]),
      );
      const launched = await post("/threads", { agent: "support", message: "Where is A-1?" });
      expect(launched.status).toBe(202);
      const done = await waitFor(launched.body.threadId as string, "done");
      expect(done.output).toBe("A-1 has shipped.");
      expect(toolChoices(converse)).toEqual([
        [BEDROCK_MODEL, ["any"]],
        [BEDROCK_MODEL, ["any"]],
      ]);
    });

    it("serves an agent on a Bedrock model that refuses a forced tool choice: each step auto, to done", async () => {
      expect(output()).toMatch(/concierge +bedrock +us\.anthropic\.claude-sonnet-5-5-v1:0/);
      const before = converse.requests.length;
      converse.enqueue(
        toolUseAnswer([["add", { a: 2, b: 3 }]]),
        toolUseAnswer([["done_for_now", { message: "5" }]]),
      );
      const launched = await post("/threads", { agent: "concierge", message: "2 + 3?" });
      expect(launched.status).toBe(202);
      const done = await waitFor(launched.body.threadId as string, "done");
      expect(done.output).toBe("5");
      // The fake answers 400 to a forced choice from this model: none was sent.
      expect(toolChoices(converse).slice(before)).toEqual([
        [REFUSING_MODEL, ["auto"]],
        [REFUSING_MODEL, ["auto"]],
      ]);
    });

    it("serves an aiSdk(anthropic(...)) agent on the Messages API fake, to done", async () => {
      expect(output()).toMatch(/adder +ai-sdk:anthropic\.messages +claude-sonnet-5-5/);
      messages.enqueue(
        { status: 200, body: toolUseMessage([["add", { a: 2, b: 3 }]]) },
        { status: 200, body: toolUseMessage([["done_for_now", { message: "5" }]]) },
      );
      const launched = await post("/threads", { agent: "adder", message: "2 + 3?" });
      expect(launched.status).toBe(202);
      const done = await waitFor(launched.body.threadId as string, "done");
      expect(done.output).toBe("5");
      expect(messages.requests.map((request) => request.body.tool_choice)).toEqual([
        { type: "auto", disable_parallel_tool_use: true },
        { type: "auto", disable_parallel_tool_use: true },
      ]);
    });

    it("runs a parent that calls a child agent: the child's approval shows at the root, approving it finishes the child, then the parent", async () => {
      chat.enqueue(
        { status: 200, body: toolCallCompletion([["deployer", '{"message":"Deploy the api"}']]) },
        { status: 200, body: toolCallCompletion([["deploy", '{"service":"api"}']]) },
      );
      const launched = await post("/threads", { agent: "lead", message: "Release the api" });
      expect(launched.status).toBe(202);
      const rootId = launched.body.threadId as string;
      const root = await waitFor(rootId, "waiting_for_agent", (thread) =>
        Boolean((thread.descendants as { pending: unknown }[] | undefined)?.[0]?.pending),
      );
      const [waiting] = root.descendants as {
        threadId: string;
        agent: string;
        status: string;
        pending: { callId: string; kind: string; tool: string; args: unknown };
      }[];
      expect(waiting).toMatchObject({
        agent: "deployer",
        status: "waiting_for_approval",
        pending: { kind: "approval", tool: "deploy", args: { service: "api" } },
      });
      const childId = waiting?.threadId as string;
      expect((await getThread(childId)).parent).toMatchObject({ threadId: rootId, depth: 1 });
      // An answer on the root is refused: the child asks, so the child is answered.
      const onRoot = await post(`/threads/${rootId}/responses`, {
        callId: waiting?.pending.callId,
        approved: true,
      });
      expect(onRoot.status).toBe(409);

      chat.enqueue(
        {
          status: 200,
          body: toolCallCompletion([["done_for_now", '{"message":"api deployed"}']]),
        },
        {
          status: 200,
          body: toolCallCompletion([["done_for_now", '{"message":"Release done: api deployed"}']]),
        },
      );
      const approved = await post(`/threads/${childId}/responses`, {
        callId: waiting?.pending.callId,
        approved: true,
      });
      expect(approved.status).toBe(202);
      const done = await waitFor(rootId, "done");
      expect(done.output).toBe("Release done: api deployed");
      const finished = await getThread(childId);
      expect([finished.status, finished.output]).toEqual(["done", "api deployed"]);
      // The parent's model read the child's output as the call's result.
      const lastMessages = JSON.stringify(chat.requests.at(-1)?.body.messages);
      expect(lastMessages).toContain("api deployed");
    });

    it("cancels the child a parent waits on when the parent is cancelled", async () => {
      chat.enqueue(
        { status: 200, body: toolCallCompletion([["deployer", '{"message":"Deploy the web"}']]) },
        { status: 200, body: toolCallCompletion([["deploy", '{"service":"web"}']]) },
      );
      const launched = await post("/threads", { agent: "lead", message: "Release the web" });
      const rootId = launched.body.threadId as string;
      const root = await waitFor(rootId, "waiting_for_agent", (thread) =>
        Boolean((thread.descendants as { pending: unknown }[] | undefined)?.[0]?.pending),
      );
      const childId = (root.descendants as { threadId: string }[])[0]?.threadId as string;
      const asked = chat.requests.length;

      const cancelled = await post(`/threads/${rootId}/cancel`, { reason: "release called off" });
      expect(cancelled.status).toBe(202);
      await waitFor(rootId, "cancelled");
      await waitFor(childId, "cancelled");
      // The child's end did not resume the cancelled parent: no model call after the cancel.
      await sleep(1_000);
      expect(chat.requests.length).toBe(asked);
      const events = (await (await fetch(`${url}/threads/${rootId}/events`)).json()) as {
        events: { type: string }[];
      };
      expect(events.events.at(-1)?.type).toBe("cancelled");
    });

    it("waits on a callback tool, resumes on POST /callbacks/{token}, and refuses a second answer and a forged token", async () => {
      chat.enqueue(
        { status: 200, body: toolCallCompletion([["run_ci", '{"ref":"main"}']]) },
        {
          status: 200,
          body: toolCallCompletion([["done_for_now", '{"message":"CI passed: released."}']]),
        },
      );
      const launched = await post("/threads", { agent: "releaser", message: "Release main" });
      const threadId = launched.body.threadId as string;
      await waitFor(threadId, "waiting_for_callback");
      const run = await ci.next();
      expect(run.ref).toBe("main");
      expect(run.callbackUrl).toMatch(new RegExp(`^${url}/callbacks/${threadId}\\.`));

      const answer = { status: "passed", log: "42 tests" };
      const forged = await postTo(`${url}/callbacks/${threadId}.${"0".repeat(32)}`, answer);
      expect(forged.status).toBe(401);
      expect(forged.body.error).toMatchObject({ code: "invalid_callback_token" });
      const answered = await postTo(run.callbackUrl, answer);
      expect(answered.status).toBe(202);
      const done = await waitFor(threadId, "done");
      expect(done.output).toBe("CI passed: released.");
      const again = await postTo(run.callbackUrl, { status: "failed", log: "late" });
      expect(again.status).toBe(409);
      const events = (await (await fetch(`${url}/threads/${threadId}/events`)).json()) as {
        events: { type: string; data: { result?: unknown } }[];
      };
      const results = events.events.filter((event) => event.type === "tool_result");
      expect(results.map((event) => event.data.result)).toEqual([answer]);
    });

    it("turns a callback that expires into an error the model reads", async () => {
      chat.enqueue(
        { status: 200, body: toolCallCompletion([["quick_ci", '{"ref":"main"}']]) },
        {
          status: 200,
          body: toolCallCompletion([["done_for_now", '{"message":"The smoke tests timed out."}']]),
        },
      );
      const launched = await post("/threads", { agent: "releaser", message: "Smoke-test main" });
      const threadId = launched.body.threadId as string;
      const run = await ci.next();
      expect(run.ref).toBe("main");
      // No answer: the reconciler's sweep closes the wait once its second is up.
      const done = await waitFor(threadId, "done");
      expect(done.output).toBe("The smoke tests timed out.");
      const events = (await (await fetch(`${url}/threads/${threadId}/events`)).json()) as {
        events: { type: string; data: { code?: string } }[];
      };
      expect(events.events.map((event) => event.data.code).filter(Boolean)).toEqual([
        "callback_expired",
      ]);
      const seen = JSON.stringify(chat.requests.at(-1)?.body.messages);
      expect(seen).toContain("quick_ci failed: the callback expired");
      const late = await postTo(run.callbackUrl, { status: "passed", log: "too late" });
      expect(late.status).toBe(409);
    });

    async function getThread(threadId: string): Promise<Record<string, unknown>> {
      return (await (await fetch(`${url}/threads/${threadId}`)).json()) as Record<string, unknown>;
    }

    async function postTo(to: string, body: unknown) {
      const response = await fetch(to, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    async function post(path: string, body: unknown) {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    async function waitFor(
      threadId: string,
      status: string,
      until: (thread: Record<string, unknown>) => boolean = () => true,
    ) {
      const deadline = Date.now() + 30_000;
      let last: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        last = await getThread(threadId);
        if (last.status === status && until(last)) {
          return last as Record<string, unknown> & {
            pending: { callId: string };
            output: string | null;
          };
        }
        await sleep(100);
      }
      throw new Error(`thread never reached ${status}: ${JSON.stringify(last)}\n${output()}`);
    }
  });
});

/** A `twelve dev` the test started in a fresh project: its URL, what it printed, a stop. */
interface TwelveDev {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `twelve dev --agents <module>` in `cwd`, as a user starts it, on free ports, with `env` beside
 * the product's; resolves once it prints that it runs (or fails with what it printed).
 */
async function startTwelveDev(
  cwd: string,
  module: string,
  env: Record<string, string>,
): Promise<TwelveDev> {
  const [port, dynamo, sqs] = await freePorts(3);
  const child = spawn(join(cwd, "node_modules", ".bin", "twelve"), ["dev", "--agents", module], {
    cwd,
    env: productEnv({
      PORT: String(port),
      DYNAMODB_PORT: String(dynamo),
      SQS_PORT: String(sqs),
      ...env,
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 90_000;
  while (!output.includes("Twelve is running")) {
    if (child.exitCode !== null) throw new Error(`twelve dev exited: ${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`twelve dev did not start: ${output}`);
    }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}

/** A CI server's part: it takes each run a callback tool starts, to answer it later. */
interface CiServer {
  url: string;
  /** The next run started (waits for it). */
  next(): Promise<{ ref: string; callbackUrl: string; idempotencyKey: string }>;
  close(): Promise<void>;
}

async function startCiServer(): Promise<CiServer> {
  type Run = Awaited<ReturnType<CiServer["next"]>>;
  const runs: Run[] = [];
  const waiters: ((run: Run) => void)[] = [];
  const server: Server = createHttpServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const run = JSON.parse(body) as Run;
      const waiter = waiters.shift();
      if (waiter) waiter(run);
      else runs.push(run);
      response.writeHead(202, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/runs`,
    next: () => {
      const run = runs.shift();
      if (run) return Promise.resolve(run);
      return new Promise((started, never) => {
        const timer = setTimeout(() => never(new Error("no CI run was started in 30 s")), 30_000);
        waiters.push((next) => {
          clearTimeout(timer);
          started(next);
        });
      });
    },
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

/**
 * Ports for the CLI, which takes fixed ones (PORT, DYNAMODB_PORT, SQS_PORT) as a user's shell
 * gives them: each was free a moment ago on 127.0.0.1.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((done, fail) => {
          const server = createServer();
          server.once("error", fail);
          server.listen(0, "127.0.0.1", () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** The fresh project's MCP agents module: two agents, and a model that follows a rule. */
const MCP_AGENTS = `import { defineAgent, doneForNow } from "twelve-agents";
import type { Model } from "twelve-agents";
import { mcpServer } from "twelve-agents/mcp";

const ops = mcpServer({ name: "ops", url: process.env.OPS_MCP_URL ?? "http://127.0.0.1:9/mcp", cacheTtlMs: 0 });

// Add 2 and 3, then delete record r1, then say so; the greeter says hello.
export const model: Model = {
  async next(request) {
    const seen = request.messages.map((message) => message.content).join("\\n");
    if (seen.includes("Greet.")) return { type: "tool_call", tool: "done_for_now", args: { message: "Hello!" } };
    const sum = /<add_result>\\n(\\d+)\\n<\\/add_result>/.exec(seen)?.[1];
    if (!sum) return { type: "tool_call", tool: "add", args: { a: 2, b: 3 } };
    if (!seen.includes("<delete_record_result>")) {
      return { type: "tool_call", tool: "delete_record", args: { id: "r1" } };
    }
    return { type: "tool_call", tool: "done_for_now", args: { message: \`sum \${sum}, r1 deleted\` } };
  },
};

export const agents = [
  defineAgent({ name: "ops", prompt: "Operate.", tools: [doneForNow], mcp: [ops] }),
  defineAgent({ name: "greeter", prompt: "Greet.", tools: [doneForNow] }),
];
`;

/** A createRunner script of the fresh project: the ops agent, approved to done. */
const MCP_RUN = `import { createRunner } from "twelve-agents";
import { agents, model } from "./mcp-agents.ts";

const runner = createRunner({ agents, model });
const run = await runner.launch("ops", "Add, then delete r1");
console.log(run.status, run.pending?.tool);
if (run.pending) {
  const done = await runner.respond(run.threadId, { callId: run.pending.callId, approved: true });
  console.log(done.status, done.output);
}
`;

describe("MCP in the fresh project: tools from an MCP server, and its agents as MCP tools", () => {
  const add = {
    name: "add",
    input: z.object({ a: z.number(), b: z.number() }),
    run: ({ a, b }: Record<string, unknown>) => {
      // After the first call the server lists one more tool, a destructive one.
      server.tools = [add, deleteRecord];
      return String(Number(a) + Number(b));
    },
  };
  const deleteRecord = {
    name: "delete_record",
    input: z.object({ id: z.string() }),
    annotations: { destructiveHint: true },
    run: ({ id }: Record<string, unknown>) => `deleted ${String(id)}`,
  };
  const server = new FakeMcpServer({ tools: [add] });
  let dev: TwelveDev | undefined;
  let url: string;

  beforeAll(async () => {
    install(project, ["@modelcontextprotocol/client", "@modelcontextprotocol/server"]);
    writeFileSync(join(project, "mcp-agents.ts"), MCP_AGENTS);
    writeFileSync(join(project, "mcp-run.ts"), MCP_RUN);
    await server.start();
    dev = await startTwelveDev(project, "./mcp-agents.ts", {
      TWELVE_DATA_DIR: join(project, ".data-mcp"),
      OPENAI_API_KEY: "",
      AGENT_API_KEY: "",
      OPS_MCP_URL: server.url,
    });
    url = dev.url;
  }, 400_000);

  afterAll(async () => {
    await dev?.stop();
    await server.close();
  });

  it("runs the agent in createRunner: the MCP server's destructive tool waits for approval, then done", async () => {
    server.tools = [add];
    const { stdout } = await execFileAsync(process.execPath, ["mcp-run.ts"], {
      cwd: project,
      env: productEnv({ OPS_MCP_URL: server.url }),
    });
    expect(stdout.trim().split("\n")).toEqual([
      "waiting_for_approval delete_record",
      "done sum 5, r1 deleted",
    ]);
    expect(server.calls.map((call) => call.tool)).toEqual(["add", "delete_record"]);
  });

  it("in twelve dev: an outage is an error event, the thread recovers, the changed tool list is recorded, the destructive tool waits", async () => {
    // Prepare: the server is down when the thread starts
    server.tools = [add];
    server.calls.length = 0;
    await server.stop();

    // Act
    const launched = await postJson(`${url}/threads`, { agent: "ops", message: "Add, delete r1" });
    const threadId = launched.threadId as string;
    const down = await threadReaches(url, threadId, "waiting_for_human");

    // Assess: three compact errors, then a person is asked
    const errors = down.events.filter((event) => event.type === "error");
    expect(errors.map((event) => event.data.code)).toEqual([
      "tools_unavailable",
      "tools_unavailable",
      "tools_unavailable",
    ]);
    expect(server.calls).toEqual([]);

    // Act: the server returns, a person says go on
    await server.start();
    await postJson(`${url}/threads/${threadId}/responses`, {
      callId: down.pending?.callId,
      response: "the server is back",
    });
    const waiting = await threadReaches(url, threadId, "waiting_for_approval");

    // Assess: add ran, the list grew by delete_record (recorded), which waits for approval
    expect(waiting.pending).toMatchObject({ tool: "delete_record", args: { id: "r1" } });
    const sets = waiting.events.filter((event) => event.type === "tool_set");
    expect(sets).toHaveLength(2);
    expect(sets[1]?.data.change).toEqual({
      from: sets[0]?.data.fingerprint,
      added: ["delete_record"],
      removed: [],
      changed: [],
    });
    expect(server.calls.map((call) => call.tool)).toEqual(["add"]);

    // Act: approve
    await postJson(`${url}/threads/${threadId}/responses`, {
      callId: waiting.pending?.callId,
      approved: true,
    });
    const done = await threadReaches(url, threadId, "done");

    // Assess
    expect(done.output).toBe("sum 5, r1 deleted");
    expect(server.calls.map((call) => call.tool)).toEqual(["add", "delete_record"]);
  });

  it("serves the agents at twelve dev's /mcp: an MCP client lists them, launches one and reads it to done", async () => {
    const client = new Client({ name: "consumer-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", url)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(["ops", "greeter", "get_thread", "answer_thread", "message_thread"]),
      );
      const launched = await client.callTool({ name: "greeter", arguments: { message: "Hi" } });
      expect(launched.isError).toBeFalsy();
      const { threadId } = launched.structuredContent as { threadId: string };
      let thread: { status?: string; output?: string | null } = {};
      const deadline = Date.now() + 30_000;
      while (thread.status !== "done" && Date.now() < deadline) {
        await sleep(100);
        const read = await client.callTool({ name: "get_thread", arguments: { threadId } });
        thread = read.structuredContent as typeof thread;
      }
      expect(thread).toMatchObject({ status: "done", output: "Hello!" });
    } finally {
      await client.close();
    }
  });

  interface ReadThread {
    status: string;
    output: string | null;
    pending?: { callId: string; tool?: string };
    events: { type: string; data: Record<string, unknown> & { code?: string } }[];
  }

  async function postJson(to: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(to, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status !== 202)
      throw new Error(`${to}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function threadReaches(
    base: string,
    threadId: string,
    status: string,
  ): Promise<ReadThread> {
    const deadline = Date.now() + 60_000;
    let last = {} as ReadThread;
    while (Date.now() < deadline) {
      last = (await (await fetch(`${base}/threads/${threadId}`)).json()) as ReadThread;
      if (last.status === status) return last;
      await sleep(100);
    }
    throw new Error(`thread never reached ${status}: ${JSON.stringify(last)}\n${dev?.output()}`);
  }
});

/**
 * The Chat Completions answers of the evals proof, read from the prompt as a real model would: the
 * README's refund (look the order up, refund it, say so), unless the prompt says never to refund.
 */
const refundsByPrompt: Model = {
  async next(request) {
    const seen = request.messages.map((message) => message.content).join("\n");
    const system = request.messages.find((message) => message.role === "system")?.content ?? "";
    if (!seen.includes("<lookup_order_result>")) return call("lookup_order", { orderId: "A-1" });
    if (/never refund/i.test(system)) return call("done_for_now", { message: "I may not refund." });
    if (!seen.includes("<refund_order_result>")) {
      return call("refund_order", { orderId: "A-1", amount: 42 });
    }
    return call("done_for_now", { message: "Refunded 42 for A-1." });
  },
};

describe("twelve eval in the fresh project: a thread recorded with twelve dev, replayed", () => {
  let chat: DemoChatServer;
  let chatClosed = false;
  let dev: TwelveDev | undefined;
  let url: string;
  let dir: string;
  let dataset: string;
  const twelve = () => join(project, "node_modules", ".bin", "twelve");
  const modelEnv = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: chat.baseURL });

  /** `twelve eval ...` in the project: its exit code and what it printed. */
  async function evalCli(...args: string[]) {
    return evalCliWith(modelEnv(), ...args);
  }

  /** `twelve eval ...` with `env` as the model's settings (empty: none). */
  async function evalCliWith(env: Record<string, string>, ...args: string[]) {
    try {
      const { stdout, stderr } = await execFileAsync(twelve(), ["eval", ...args], {
        cwd: project,
        env: productEnv({ ...env, AGENT_API_KEY: "" }),
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code, out: String(failed.stdout), err: String(failed.stderr) };
    }
  }

  beforeAll(async () => {
    chat = await startDemoChatServer(refundsByPrompt);
    dir = mkdtempSync(join(tmpdir(), "twelve-consumer-evals-"));
    dataset = join(dir, "refunds.jsonl");
    const agents = readFileSync(join(project, "agents.ts"), "utf8");
    const changed = agents.replace(
      "You handle refund requests.",
      "You handle refund requests. Never refund.",
    );
    expect(changed).not.toBe(agents);
    writeFileSync(join(project, "agents-changed.ts"), changed);
    dev = await startTwelveDev(project, "./agents.ts", {
      TWELVE_DATA_DIR: join(project, ".data-evals"),
      AGENT_API_KEY: "",
      ...modelEnv(),
    });
    url = dev.url;
  }, 120_000);

  afterAll(async () => {
    await dev?.stop();
    if (!chatClosed) await chat?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records a thread, adds it as a case, passes with the same agents, fails with a changed prompt, passes offline from cassettes", async () => {
    // Prepare: a refund, approved to done, through the real OpenAI adapter
    const launched = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "refunds", message: "Refund order A-1" }),
    });
    const { threadId } = (await launched.json()) as { threadId: string };
    const waiting = await threadStatus(threadId, "waiting_for_approval");
    await fetch(`${url}/threads/${threadId}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ callId: waiting.pending?.callId, approved: true }),
    });
    expect((await threadStatus(threadId, "done")).output).toBe("Refunded 42 for A-1.");

    // Act: the thread becomes a case
    const added = await evalCli("add", dataset, "--thread", threadId, "--url", url);

    // Assess
    expect(added).toMatchObject({ code: 0 });
    expect(readFileSync(dataset, "utf8").trim().split("\n")).toHaveLength(1);

    // Act and assess: the same agents pass, the changed prompt fails with a non-zero exit
    const same = await evalCli("run", dataset, "--agents", "./agents.ts");
    expect(same.code, same.out + same.err).toBe(0);
    expect(same.out).toContain("1/1 passed");
    const changed = await evalCli("run", dataset, "--agents", "./agents-changed.ts");
    expect(changed.code, changed.out + changed.err).toBe(1);
    expect(changed.out).toMatch(/diverged/);

    // Act and assess: recorded to cassettes, then replayed with the model server stopped
    const cassettes = join(dir, "cassettes");
    const recorded = await evalCli(
      "run",
      dataset,
      "--agents",
      "./agents.ts",
      "--cassettes",
      cassettes,
      "--record",
    );
    expect(recorded.code, recorded.out + recorded.err).toBe(0);
    expect(readdirSync(cassettes).length).toBeGreaterThan(0);
    await chat.close();
    chatClosed = true;
    const answered = chat.requests();
    // Offline as CI runs it: no key, no model server.
    const offline = await evalCliWith(
      { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
      "run",
      dataset,
      "--agents",
      "./agents.ts",
      "--cassettes",
      cassettes,
    );
    expect(offline.code, offline.out + offline.err).toBe(0);
    expect(offline.out).toContain("1/1 passed");
    expect(chat.requests()).toBe(answered);
  });

  async function threadStatus(threadId: string, status: string) {
    const deadline = Date.now() + 60_000;
    let last: { status?: string; output?: string; pending?: { callId: string } } = {};
    while (Date.now() < deadline) {
      last = (await (await fetch(`${url}/threads/${threadId}`)).json()) as typeof last;
      if (last.status === status) return last;
      await sleep(100);
    }
    throw new Error(`thread never reached ${status}: ${JSON.stringify(last)}\n${dev?.output()}`);
  }
});
