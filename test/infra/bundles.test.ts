import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { App, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../functions/console/build.ts";
import {
  type HandlerName,
  handlerNames,
  writeHandlerEntries,
} from "../../infra/constructs/handler-entries.ts";
import { HandlerFunction } from "../../infra/constructs/handler-function.ts";
import { workerModels } from "../../infra/constructs/worker-models.ts";
import { exampleAgentsEntry } from "../../infra/twelve-stack.ts";
import { bundle, bundleInputs } from "../bench/bundle.ts";
import { repoRoot } from "../support/repo.ts";
import { environmentOf, functionOf, resourcesOf, type Synthesized, synthTwelve } from "./synth.ts";

let deployed: Synthesized;

beforeAll(() => {
  deployed = synthTwelve();
}, 120_000);

afterAll(() => rmSync(deployed.outdir, { recursive: true, force: true }));

/** The bundle `cdk synth` built for a handler: its directory in the cloud assembly. */
function bundleDir(handler: string): string {
  const key = (functionOf(deployed.template, handler).fn.Properties.Code as { S3Key: string })
    .S3Key;
  return join(deployed.outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

/** Every file a bundle was built from, absolute, read from its source map. */
function sourcesOf(dir: string): string[] {
  const map = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as { sources: string[] };
  return map.sources.map((source) => resolve(dir, source));
}

/** The repository files a bundle was built from. */
function bundledFiles(handler: string): string[] {
  return sourcesOf(bundleDir(handler))
    .filter((file) => !file.includes("node_modules"))
    .map((file) => file.slice(repoRoot.length));
}

/** Imports a bundle in a fresh Node 24 process; what `typeof handler` printed. */
function loadHandler(file: string): string {
  return execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(typeof m.handler);`,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH ?? "", POWERTOOLS_LOG_LEVEL: "SILENT" } },
  ).trim();
}

const awsSdkSources = (dir: string) =>
  sourcesOf(dir).filter((file) => file.includes("node_modules/@aws-sdk/"));

/** The repository modules the local stack (`npm start`) imports, relative to the root. */
function localStackImports(): string[] {
  const file = join(repoRoot, "infra/local/stack.ts");
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/from "(\.[^"]+)"/g)].map((match) =>
    resolve(dirname(file), match[1] as string).slice(repoRoot.length),
  );
}

/** What the local stack runs for each handler: the same builder the Lambda entry point calls. */
const localModule: Record<string, string> = {
  api: "functions/compose/api.ts",
  worker: "functions/compose/worker.ts",
  trigger: "functions/compose/trigger.ts",
  reconciler: "functions/compose/reconciler.ts",
};

describe("Bundles", () => {
  it("each hold their own handler factory and none of the others'", () => {
    for (const handler of handlerNames) {
      const factories = bundledFiles(handler).filter((file) =>
        file.startsWith("functions/handlers/"),
      );
      const own = `functions/handlers/${handler}.ts`;
      expect(factories, handler).toContain(own);
      const others = handlerNames.filter((name) => name !== handler);
      for (const other of others) {
        expect(factories, handler).not.toContain(`functions/handlers/${other}.ts`);
      }
    }
  });

  it("hold the agents module the stack names (the example agents), but the authorizer, notify and reaper none", () => {
    for (const handler of handlerNames) {
      const files = bundledFiles(handler);
      if (handler === "authorizer" || handler === "notify" || handler === "reaper") {
        expect(files, handler).not.toContain("shared/examples/agents.ts");
      } else expect(files, handler).toContain("shared/examples/calculator/tools.ts");
    }
  });

  it("contain the builders the local stack runs, from the one composition root", () => {
    const local = localStackImports();
    for (const [handler, module] of Object.entries(localModule)) {
      expect(local, handler).toContain(module);
      expect(bundledFiles(handler), handler).toEqual(
        expect.arrayContaining([module, "functions/compose/root.ts"]),
      );
    }
    expect(local).toContain("functions/compose/root.ts");
  });

  it("give the worker its builder only: no router, channels, console, nor the others' builders", () => {
    const files = bundledFiles("worker");
    const foreign = files.filter((file) =>
      /^functions\/(api|channels|console|notify)\/|^functions\/compose\/(api|notify|trigger|reaper|authorizer)\.ts$/.test(
        file,
      ),
    );
    expect(foreign).toEqual([]);
    expect(files).toContain("functions/compose/worker.ts");
  });

  it("give the API function the console it serves: the page and the files it names", () => {
    const code = readFileSync(join(bundleDir("api"), "index.mjs"), "utf8");
    const assets = buildConsole();
    const names = Object.keys(assets.files);
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(assets["index.html"]).toContain(`/console/assets/${name}`);
      expect(code).toContain(name);
    }
    expect(code).toContain("Twelve console");
    expect(code).toContain("frame-ancestors 'none'");
    for (const other of ["worker", "trigger", "reconciler"]) {
      expect(readFileSync(join(bundleDir(other), "index.mjs"), "utf8"), other).not.toContain(
        "Twelve console",
      );
    }
  });

  it("answer GET /console from the API bundle with the page and its security headers", () => {
    // Prepare: the function's environment, with a stand-in for each value CloudFormation fills
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", AWS_REGION: "eu-west-1" };
    for (const [name, value] of Object.entries(environmentOf(deployed.template, "api"))) {
      env[name] =
        typeof value === "string"
          ? value
          : name.endsWith("_URL")
            ? "https://sqs.eu-west-1.amazonaws.com/123456789012/steps.fifo"
            : name.endsWith("_ARN")
              ? "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"
              : "stand-in";
    }
    const file = pathToFileURL(join(bundleDir("api"), "index.mjs")).href;
    const event = {
      rawPath: "/console/threads/thr_1",
      requestContext: { http: { method: "GET" } },
      headers: {},
    };

    // Act
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { handler } = await import(${JSON.stringify(file)}); const r = await handler(${JSON.stringify(event)}); console.log(JSON.stringify({ status: r.statusCode, headers: r.headers, page: r.body.includes('<div id="app">') }));`,
      ],
      { encoding: "utf8", env: { ...env, POWERTOOLS_LOG_LEVEL: "SILENT" } },
    );

    // Assess
    const answer = JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
    expect(answer).toMatchObject({
      status: 200,
      page: true,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    });
    expect(answer.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(answer.headers["content-security-policy"]).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("are minified ES modules that Node 24 loads, exporting handler", () => {
    for (const handler of handlerNames) {
      const file = join(bundleDir(handler), "index.mjs");
      expect(existsSync(file), handler).toBe(true);
      const code = readFileSync(file, "utf8");
      // Minified: long lines (template literals keep a few line breaks).
      expect(code.length / code.split("\n").length, handler).toBeGreaterThan(1000);
      expect(loadHandler(file), handler).toBe("function");
    }
  }, 60_000);

  it("carry the AWS SDK by default, importing none of it from the runtime", () => {
    const dir = bundleDir("worker");
    expect(awsSdkSources(dir).length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "index.mjs"), "utf8")).not.toMatch(/from\s*"@aws-sdk\//);
  });
});

describe("A bundle with runtimeAwsSdk", () => {
  it("leaves @aws-sdk/* to the runtime, and loads where the runtime's copy resolves", () => {
    const outdir = mkdtempSync(join(tmpdir(), "twelve-cdk-sdk-"));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, "RuntimeSdk");
      const entries = writeHandlerEntries({ entry: exampleAgentsEntry, projectRoot: repoRoot });
      new HandlerFunction(stack, "Worker", {
        handler: "worker",
        entry: entries.worker,
        projectRoot: repoRoot,
        lockFile: join(repoRoot, "package-lock.json"),
        description: "worker",
        timeout: Duration.seconds(10),
        logLevel: "INFO",
        removalPolicy: RemovalPolicy.DESTROY,
        runtimeAwsSdk: true,
      });
      app.synth();
      const functions = resourcesOf(Template.fromStack(stack), "AWS::Lambda::Function");
      expect(functions).toHaveLength(1);
      const [, fn] = functions[0] as (typeof functions)[number];
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const dir = join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
      expect(awsSdkSources(dir)).toEqual([]);
      expect(readFileSync(join(dir, "index.mjs"), "utf8")).toMatch(
        /from\s*"@aws-sdk\/client-dynamodb"/,
      );
      // Lambda resolves `@aws-sdk/*` from the runtime's node_modules; here, the repository's.
      symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
      expect(loadHandler(join(dir, "index.mjs"))).toBe("function");
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("Errors in a minified bundle", () => {
  it("keep their class names (esbuild renames classes; the names are registered by key)", async () => {
    const { build } = await import("esbuild");
    const entry = join(repoRoot, "shared/core/errors.ts");
    const result = await build({
      stdin: {
        contents: `import { ThreadNotFoundError } from ${JSON.stringify(entry)};
          import { UnknownAgentError } from ${JSON.stringify(join(repoRoot, "shared/runtime/errors.ts"))};
          console.log(new ThreadNotFoundError("t").name, String(new UnknownAgentError("x", [])));`,
        resolveDir: repoRoot,
        loader: "ts",
      },
      bundle: true,
      minify: true,
      format: "esm",
      platform: "node",
      write: false,
    });
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).not.toContain("class ThreadNotFoundError");
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
      encoding: "utf8",
    });
    expect(output.trim()).toMatch(/^ThreadNotFoundError UnknownAgentError: unknown agent "x"/);
  });
});

/** A bundle input: a repository path prefix (`functions/api/`) or a package (`@slack/`, `openai`). */
const packageOf = (input: string): string | undefined =>
  input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
const matches = (input: string, pattern: string): boolean => {
  const pkg = packageOf(input);
  if (pkg === undefined) return input.startsWith(pattern);
  return pattern.endsWith("/") ? pkg.startsWith(pattern) : pkg === pattern;
};

/** The other handlers' edge apps, the console, the channels and the build and test tools. */
const edgeApps: Record<HandlerName, readonly string[]> = {
  api: ["functions/api/", "functions/console/"],
  worker: ["functions/worker/"],
  trigger: ["functions/trigger/", "functions/inbox/"],
  reconciler: [],
  authorizer: ["functions/authorizer/"],
  notify: ["functions/notify/"],
  reaper: ["functions/reaper/"],
};
const channels = ["functions/channels/", "shared/channels/", "@slack/", "nodemailer"];
const buildTools = ["infra/", "test/", "aws-cdk-lib", "constructs", "esbuild", "vitest"];
/** The MCP server SDK serves `POST /mcp`: the API's alone. */
const mcpServer = "@modelcontextprotocol/server";
const tracing = ["@aws-lambda-powertools/tracer", "aws-xray-sdk-core"];

/**
 * What each handler's bundle must hold (its own app) and must not: another handler's app, and
 * the dependencies only another handler runs. The worker runs steps: no router, console,
 * channels; OpenAI only when it calls OpenAI. The API answers requests and Slack's and email's
 * inbound routes: no tracer, no worker. Notify posts to Slack and sends mail: no agents.
 */
const bundleRules: Record<HandlerName, { holds: string[]; never: string[] }> = {
  worker: {
    holds: ["functions/worker/", "functions/observability/", ...tracing],
    never: [
      ...channels,
      "functions/console/",
      "preact",
      "fastify",
      "@octokit/",
      "standardwebhooks",
    ],
  },
  api: { holds: ["functions/api/", "functions/console/", mcpServer], never: [...tracing] },
  trigger: {
    holds: ["functions/trigger/"],
    never: [...channels, "functions/console/", ...tracing],
  },
  reconciler: {
    holds: ["functions/observability/metrics.ts"],
    never: [...channels, "functions/console/", ...tracing],
  },
  authorizer: {
    holds: ["functions/authorizer/"],
    never: [
      ...channels,
      "functions/console/",
      ...tracing,
      "shared/examples/",
      "@aws-sdk/client-dynamodb",
    ],
  },
  notify: {
    holds: ["functions/notify/", "@slack/", "nodemailer"],
    never: ["functions/console/", ...tracing, "shared/examples/", "@aws-sdk/client-dynamodb"],
  },
  reaper: {
    holds: ["functions/reaper/"],
    never: [...channels, "functions/console/", ...tracing, "shared/examples/"],
  },
};

/**
 * Allowed for now, to be taken out: modules of the API's folder that others share. The runtime's
 * settings read the API keys, whose scopes live there (one settings section per handler lifts
 * it), and the trigger checks a launch with the API's request schemas.
 */
const knownLeaks: Partial<Record<HandlerName, string[]>> = {
  worker: ["functions/api/scopes.ts"],
  trigger: [
    "functions/api/scopes.ts",
    "functions/api/schemas.ts",
    "functions/api/openapi.ts",
    "functions/api/responses.ts",
  ],
  reconciler: ["functions/api/scopes.ts"],
  authorizer: ["functions/api/scopes.ts"],
  reaper: ["functions/api/scopes.ts"],
  // The channels section is read whole; its inbound webhook sources are checked with the API's
  // template and error modules.
  notify: [
    "functions/api/http.ts",
    "functions/api/webhook-config.ts",
    "functions/api/webhook-template.ts",
  ],
};

describe("Handler bundles, by esbuild's metafile", () => {
  const entries = writeHandlerEntries({ entry: exampleAgentsEntry, projectRoot: repoRoot });
  // As TwelveRuntime bundles them for a deployment whose agents module brings its own model.
  const inputsOf = (handler: HandlerName, callsOpenAi = false) =>
    bundleInputs(entries[handler], { callsOpenAi });

  it.each(handlerNames)(
    "%s: holds its own app and none of another handler's, nor their dependencies",
    async (handler) => {
      const inputs = [...(await inputsOf(handler)).keys()];
      const rules = bundleRules[handler];
      const others = handlerNames.filter((name) => name !== handler);
      const never = [
        ...rules.never,
        ...(handler === "api" ? [] : [mcpServer]),
        ...buildTools,
        ...others.flatMap((name) => edgeApps[name]),
        "openai",
      ].filter((pattern) => !edgeApps[handler].includes(pattern));
      const leaks = inputs.filter(
        (input) =>
          never.some((pattern) => matches(input, pattern)) &&
          !(knownLeaks[handler] ?? []).includes(input),
      );
      expect(leaks, handler).toEqual([]);
      for (const pattern of rules.holds) {
        expect(
          inputs.some((input) => matches(input, pattern)),
          `${handler} holds ${pattern}`,
        ).toBe(true);
      }
    },
    60_000,
  );

  it("worker: carries the OpenAI SDK only when it calls OpenAI", async () => {
    const sdk = (inputs: Map<string, number>) =>
      [...inputs.keys()].filter((input) => packageOf(input) === "openai");
    expect(sdk(await inputsOf("worker", false))).toEqual([]);
    expect(sdk(await inputsOf("worker", true)).length).toBeGreaterThan(0);
  }, 60_000);

  // The default API bundle holds it: see bundleRules.api.
  it("api: leaves the MCP server SDK out when it does not serve /mcp, and loads without it", async () => {
    // Act: the bundle TwelveRuntime builds with mcpEndpoint: false
    const file = await bundle(
      entries.api,
      join(repoRoot, "node_modules/.cache/twelve-bench/test-no-mcp"),
      { callsOpenAi: false, servesMcp: false },
    );

    // Assess
    const sources = sourcesOf(dirname(file)).map((source) => source.slice(repoRoot.length));
    // Neither the SDK nor the protocol core it brings.
    expect(
      sources.filter((source) => source.includes("node_modules/@modelcontextprotocol/")),
    ).toEqual([]);
    expect(sources.some((source) => source.endsWith("mcp-server-left-out.cjs"))).toBe(true);
    expect(loadHandler(file)).toBe("function");
  }, 60_000);

  it("worker: takes Node's built-ins by require (an ES module import of node:http loads undici)", async () => {
    const file = await bundle(
      entries.worker,
      join(repoRoot, "node_modules/.cache/twelve-bench/test-builtins"),
      { callsOpenAi: false },
    );
    const code = readFileSync(file, "utf8");
    const imported = [...code.matchAll(/from\s*"((?:node:)?[a-z_]+(?:\/[a-z_]+)?)"/g)].map(
      (match) => match[1],
    );
    expect(imported).toEqual([]);
    expect(code).toContain('process.getBuiltinModule("node:http")');
    expect(loadHandler(file)).toBe("function");
  }, 60_000);
});

describe("A Bedrock-only app's worker bundle", () => {
  const entry = join(repoRoot, "test/bench/bedrock-app/agents.ts");

  it("carries neither the OpenAI SDK nor, with runtimeAwsSdk, a Bedrock client of its own", async () => {
    // Prepare: what TwelveRuntime decides for that module's agents and model
    const app = await import("../bench/bedrock-app/agents.ts");
    const { callsOpenAi, openAiKey } = workerModels({ agents: app.agents, model: app.model });
    expect({ callsOpenAi, openAiKey }).toEqual({ callsOpenAi: false, openAiKey: false });
    const worker = writeHandlerEntries({ entry, projectRoot: repoRoot }).worker;

    // Act
    const withRuntimeSdk = [
      ...(await bundleInputs(worker, { callsOpenAi, runtimeAwsSdk: true })).keys(),
    ];
    const withOwnSdk = [...(await bundleInputs(worker, { callsOpenAi })).keys()];

    // Assess
    const of = (inputs: string[], name: string) =>
      inputs.filter((input) => packageOf(input) === name);
    expect(of(withRuntimeSdk, "openai")).toEqual([]);
    expect(of(withRuntimeSdk, "@aws-sdk/client-bedrock-runtime")).toEqual([]);
    expect(withRuntimeSdk).toContain("shared/llm/bedrock/model.ts");
    // The bundled-SDK build does carry it: the check above can see the client when it is there.
    expect(of(withOwnSdk, "@aws-sdk/client-bedrock-runtime").length).toBeGreaterThan(0);
    expect(of(withOwnSdk, "openai")).toEqual([]);
  }, 120_000);
});
