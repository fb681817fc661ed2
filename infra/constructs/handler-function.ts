import { mkdirSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { type Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, type Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { isInstalled, LEFT_OUT_OF_BUNDLE } from "../../shared/config/peers.ts";
import { acknowledgeTracing } from "../nag.ts";
import { type HandlerName, runsFromSource } from "./handler-entries.ts";
import { allowNetworkInterfaces } from "./vpc-access.ts";

/** What a handler bundle carries beyond its own code, as `HandlerFunctionProps` choose it. */
export interface BundleChoices {
  /** Import `@aws-sdk/*` from the Lambda runtime instead of bundling it. */
  runtimeAwsSdk: boolean;
  /** Whether the function may call OpenAI: without, the `openai` package stays out. */
  callsOpenAi: boolean;
  /** Whether the function serves `POST /mcp`: without, the MCP server SDK stays out. */
  servesMcp: boolean;
  /**
   * Whether the function may call Bedrock through the Bedrock Runtime client (the worker of a
   * deployment with a `bedrock()` model or `AGENT_MODEL=bedrock:<id>`).
   */
  callsBedrock: boolean;
}

/** The Bedrock Runtime client, the environment's model with `AGENT_MODEL=bedrock:<id>`. */
const BEDROCK_SDK = "@aws-sdk/client-bedrock-runtime";

/**
 * Where a bundle takes the Bedrock Runtime client from: bundled (the project installed it),
 * the Lambda runtime's copy (`runtimeAwsSdk`, or a function that calls Bedrock in a project that
 * has none: Lambda's nodejs24.x runtime includes it), or nowhere (a stand-in that throws, where
 * the function never calls Bedrock).
 */
export type BedrockClientSource = "bundled" | "runtime" | "left-out";

/** Where this bundle takes the Bedrock Runtime client from: see `BedrockClientSource`. */
export function bedrockClientSource(
  projectRoot: string,
  choices: Pick<BundleChoices, "runtimeAwsSdk"> & Partial<Pick<BundleChoices, "callsBedrock">>,
): BedrockClientSource {
  if (choices.runtimeAwsSdk) return "runtime";
  if (isInstalled(BEDROCK_SDK, join(projectRoot, "package.json"))) return "bundled";
  return choices.callsBedrock ? "runtime" : "left-out";
}

/**
 * What the bundles leave to the Lambda runtime: nothing, the AWS SDK it includes
 * (`runtimeAwsSdk`), or its Bedrock Runtime client alone (`bedrockClientSource`).
 */
export const bundlingExternals = (
  choices: Pick<BundleChoices, "runtimeAwsSdk"> & { bedrockClient?: BedrockClientSource },
): string[] => {
  if (choices.runtimeAwsSdk) return ["@aws-sdk/*"];
  return choices.bedrockClient === "runtime" ? [BEDROCK_SDK] : [];
};

/**
 * The built-ins a bundle takes through `require` rather than `import`: all those importable
 * without the `node:` prefix, as `fs` and `fs/promises`. Node builds an ES module facade of a
 * built-in by reading every export, which loads what the module keeps lazy: `node:http`'s
 * getters load undici (WebSocket, EventSource...), so `import "node:http"` costs about 80 ms of
 * CPU at cold start, its `require` about 10; `fs` and `util` about 8 ms more each. The AWS SDK and
 * Powertools import them as ES modules.
 */
const requiredBuiltins = (): string[] =>
  builtinModules.filter((name) => !name.startsWith("_") && !name.startsWith("node:"));

/** Stands in for the OpenAI SDK in a bundle that leaves it out: loading it is an error. */
const OPENAI_LEFT_OUT =
  // A CommonJS module with exports, so esbuild does not warn of each name imported from it.
  "module.exports = {};\n" +
  "throw new Error(\"The OpenAI SDK is not in this function's bundle: it was built with " +
  'callsOpenAi: false (TwelveRuntime does so when the agents module brings its own model).");\n';

/** Stands in for the Bedrock Runtime client in a project that has none: loading it is an error. */
const BEDROCK_LEFT_OUT =
  "module.exports = {};\n" +
  "throw new Error(\"The Bedrock Runtime client is not in this function's bundle: npm install " +
  '@aws-sdk/client-bedrock-runtime (or set runtimeAwsSdk: true) to use AGENT_MODEL=bedrock:<id>.");\n';

/** The MCP server SDK, loaded by the API's `POST /mcp` route (functions/api/mcp/route.ts). */
export const MCP_SERVER_SDK = "@modelcontextprotocol/server";

/**
 * Stands in for the MCP server SDK in an API bundle built without `/mcp`: loading it throws an
 * error coded `LEFT_OUT_OF_BUNDLE`, which the route answers `501 mcp_not_installed`.
 */
export const MCP_SERVER_LEFT_OUT =
  "module.exports = {};\n" +
  "const error = new Error(\"The MCP server SDK is not in this function's bundle: it was built " +
  'with mcpEndpoint: false (TwelveRuntime leaves the /mcp route out of the gateway then).");\n' +
  `error.code = "${LEFT_OUT_OF_BUNDLE}";\n` +
  "throw error;\n";

/**
 * esbuild aliases: each of `requiredBuiltins()` to a one-line CommonJS module returning the
 * built-in (`process.getBuiltinModule`), and, for a function that never calls OpenAI, `openai` to
 * a module that throws. The OpenAI adapter is loaded by an `import()` (functions/runtime.ts) that
 * such a function never reaches; marking `openai` external instead would not do, as esbuild
 * hoists an inlined module's external imports to the bundle's top. The Bedrock Runtime client,
 * loaded the same way (functions/compose/bedrock.ts), becomes such a module too where the project
 * has not installed it, the bundle does not take the runtime's SDK and the function never calls
 * Bedrock, so a project without it still bundles (a function that calls Bedrock takes the
 * runtime's copy instead: `bedrockClientSource`). An API that does not serve `POST /mcp` (`servesMcp: false`) gets such a module
 * for the MCP server SDK, which the route loads by `import()`. The files are written to the
 * project's `node_modules/.cache/twelve-agents/bundling/`.
 */
export function bundlingAliases(
  projectRoot: string,
  choices: Pick<BundleChoices, "callsOpenAi"> &
    Partial<Pick<BundleChoices, "runtimeAwsSdk" | "servesMcp" | "callsBedrock">>,
): Record<string, string> {
  const dir = join(projectRoot, "node_modules", ".cache", "twelve-agents", "bundling");
  mkdirSync(dir, { recursive: true });
  const write = (name: string, source: string) => {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
    return file;
  };
  const aliases: Record<string, string> = {};
  // `fs` -> builtins/fs/index.js, and so `fs/promises` -> builtins/fs/promises.js: CommonJS
  // modules, whatever the project's own package.json says.
  write(join("builtins", "package.json"), '{ "type": "commonjs" }\n');
  for (const name of requiredBuiltins()) {
    const [top = name, sub] = name.split("/");
    write(
      join("builtins", top, `${sub ?? "index"}.js`),
      `module.exports = process.getBuiltinModule("node:${name}");\n`,
    );
    if (sub) continue;
    aliases[top] = join(dir, "builtins", top);
    aliases[`node:${top}`] = join(dir, "builtins", top);
  }
  if (!choices.callsOpenAi) aliases.openai = write("openai-left-out.cjs", OPENAI_LEFT_OUT);
  if (choices.servesMcp === false) {
    aliases[MCP_SERVER_SDK] = write("mcp-server-left-out.cjs", MCP_SERVER_LEFT_OUT);
  }
  if (
    bedrockClientSource(projectRoot, {
      runtimeAwsSdk: choices.runtimeAwsSdk ?? false,
      ...choices,
    }) === "left-out"
  ) {
    aliases[BEDROCK_SDK] = write("bedrock-left-out.cjs", BEDROCK_LEFT_OUT);
  }
  return aliases;
}

/**
 * The functions' `NODE_OPTIONS`: stack traces name the TypeScript files and lines. Node then
 * parses the bundle's source map as it loads it (about 55 ms of CPU for the worker's at cold
 * start); the bench measures cold init with it.
 */
export const HANDLER_NODE_OPTIONS = "--enable-source-maps";

/** The banner: some CommonJS dependencies call require() for Node built-ins inside an ES module. */
export const BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** A handler's `POWERTOOLS_SERVICE_NAME`: its logs' `service`, its metrics' `service` dimension. */
export const serviceName = (handler: HandlerName): string => `twelve-${handler}`;

/** Where a function in a VPC runs: the VPC, its subnets and its security groups. */
export interface FunctionNetwork {
  vpc: IVpc;
  /** Default: the VPC's private subnets. */
  vpcSubnets?: SubnetSelection;
  /** Default: a new group that allows all outbound traffic and no inbound. */
  securityGroups?: ISecurityGroup[];
}

export interface HandlerFunctionProps {
  /** Which handler this function runs. */
  handler: HandlerName;
  /** Its Lambda entry file (see `writeHandlerEntries`). */
  entry: string;
  /** The project bundled in, and its lockfile. */
  projectRoot: string;
  lockFile: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  /** Concurrent executions reserved for (and capping) the function. Default: none reserved. */
  reservedConcurrentExecutions?: number;
  /** The VPC the function runs in (its role may then manage its network interfaces). */
  network?: FunctionNetwork;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel: string;
  /** Of the log group. */
  removalPolicy: RemovalPolicy;
  environment?: Record<string, string>;
  /** X-Ray tracing (`Tracing.ACTIVE`: the role may send segments). Default: off. */
  tracing?: Tracing;
  /**
   * Import `@aws-sdk/*` from the Lambda runtime instead of bundling it. Default false: the bundle
   * carries the SDK versions the tests ran.
   */
  runtimeAwsSdk?: boolean;
  /**
   * Whether this function may call OpenAI (the worker of a deployment whose model is OpenAI).
   * Default true. False leaves the `openai` package out of its bundle.
   */
  callsOpenAi?: boolean;
  /**
   * Whether this function may call Bedrock with the Bedrock Runtime client (the worker of a
   * deployment with a Bedrock model). Default false: in a project without the client, its bundle
   * then holds a stand-in that throws; with true it takes the Lambda runtime's copy.
   */
  callsBedrock?: boolean;
  /**
   * Whether this function serves `POST /mcp` (the API of a runtime with `mcpEndpoint`). Default
   * true. False leaves the MCP server SDK out of its bundle.
   */
  servesMcp?: boolean;
  /**
   * Whether the function loads an SDK by `import()` (the API's `/mcp` route, the worker of an agent
   * with MCP servers). esbuild then initialises the imported packages lazily, and skips the init
   * of a package marked `"sideEffects": false` (zod) in a chain it shares with the bundle's static
   * code, which fails at load (`e is not a constructor`); such a bundle is built without reading
   * those marks (`--ignore-annotations`, about 80 KB more). Default false.
   */
  importsSdkLazily?: boolean;
}

/**
 * One handler as a Lambda function: Node 24 on arm64, bundled by the local esbuild
 * into a minified ES module with source maps, its own log group with a retention, and a role that
 * may write to that log group and nothing else until the stack grants it more.
 *
 * @example
 * const api = new HandlerFunction(this, "Api", {
 *   handler: "api", entry: entries.api, projectRoot, lockFile,
 *   description: "HTTP API", timeout: Duration.seconds(10),
 *   logLevel: "INFO", removalPolicy: RemovalPolicy.RETAIN,
 * });
 * table.grantReadWriteData(api.function);
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  /** The esbuild aliases its bundle is built with (`bundlingAliases`): what it leaves out. */
  readonly aliases: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, "Logs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, whose log
    // permissions cover every log group in the account.
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${Stack.of(this).stackName} ${props.handler} function`,
    });
    this.logGroup.grantWrite(role);
    // Before the function: Lambda makes its network interfaces when it creates a VPC function.
    if (props.network) allowNetworkInterfaces(role);
    const choices = {
      callsOpenAi: props.callsOpenAi ?? true,
      runtimeAwsSdk: props.runtimeAwsSdk ?? false,
      servesMcp: props.servesMcp ?? true,
      callsBedrock: props.callsBedrock ?? false,
    };
    this.aliases = bundlingAliases(props.projectRoot, choices);
    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      ...(props.tracing ? { tracing: props.tracing } : {}),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.network ?? {}),
      projectRoot: props.projectRoot,
      depsLockFilePath: props.lockFile,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName(props.handler),
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: HANDLER_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        minify: true,
        // Keep `cdk synth` quiet: esbuild still prints warnings and errors.
        logLevel: LogLevel.WARNING,
        sourceMap: true,
        // The map keeps file names and lines for stack traces; the sources stay out of the zip.
        sourcesContent: false,
        // By default the AWS SDK is bundled too: the exact versions the tests ran, not the
        // runtime's copy, and one file loads faster than the runtime's many.
        externalModules: bundlingExternals({
          runtimeAwsSdk: choices.runtimeAwsSdk,
          bedrockClient: bedrockClientSource(props.projectRoot, choices),
        }),
        banner: BUNDLE_BANNER,
        esbuildArgs: {
          "--alias": Object.entries(this.aliases).map(([name, file]) => `${name}=${file}`),
          // In this repository the agents module imports `twelve-agents` from its own sources.
          // Naming a condition drops esbuild's default `module` one, so it is named too.
          ...(runsFromSource ? { "--conditions": "twelve-source,module" } : {}),
          ...(props.importsSdkLazily ? { "--ignore-annotations": true } : {}),
        },
      },
    });
    if (props.tracing) acknowledgeTracing(this.function);
  }
}
