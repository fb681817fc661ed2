import type { RemovalPolicy } from "aws-cdk-lib";
import type { Tracing } from "aws-cdk-lib/aws-lambda";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";
import type { ResolvedFunctionSettings } from "./function-settings.ts";
import type { HandlerName } from "./handler-entries.ts";
import { type FunctionNetwork, HandlerFunction } from "./handler-function.ts";

/** Which functions run the agents' tools and prefetches: they go into the `vpc` when one is given. */
export const runsTools = {
  worker: true,
  api: false,
  trigger: false,
  reconciler: false,
  authorizer: false,
  notify: false,
  reaper: false,
} as const satisfies Record<HandlerName, boolean>;

export interface FunctionFactoryProps {
  /** The Lambda entry of each handler (see `writeHandlerEntries`). */
  entries: Record<HandlerName, string>;
  projectRoot: string;
  lockFile: string;
  logLevel: string;
  removalPolicy: RemovalPolicy;
  runtimeAwsSdk: boolean;
  /** Whether the worker calls OpenAI (else its bundle leaves the `openai` SDK out). */
  callsOpenAi: boolean;
  /** Whether the worker calls Bedrock with the Bedrock Runtime client. Default false. */
  callsBedrock?: boolean;
  /** Whether an agent lists MCP servers (its worker then loads the MCP client by `import()`). */
  usesMcp: boolean;
  /** Whether the API serves `POST /mcp` (else its bundle leaves the MCP server SDK out). */
  mcpEndpoint: boolean;
  /** Memory, timeout and reserved concurrency of each function. */
  settings: Record<HandlerName, ResolvedFunctionSettings>;
  /** The VPC of the functions that run tools (`runsTools`). */
  network?: FunctionNetwork;
}

/** What differs from one function of the runtime to the next, beyond its handler's settings. */
export interface FunctionSpec {
  description: string;
  environment?: Record<string, string>;
  tracing?: Tracing;
}

/** Makes the function with that id running that handler, in the runtime's scope. */
export type MakeFunction = (id: string, handler: HandlerName, spec: FunctionSpec) => NodejsFunction;

/**
 * The runtime's way to make its functions: each a `HandlerFunction` with its handler's entry,
 * memory, timeout and reserved concurrency, and the VPC when it runs tools.
 *
 * @example
 * const make = functionFactory(this, { entries, projectRoot, lockFile, logLevel: "INFO", removalPolicy, runtimeAwsSdk: false, callsOpenAi: true, usesMcp: false, mcpEndpoint: true, settings });
 * const worker = make("Worker", "worker", { description: "Step worker" });
 */
export function functionFactory(scope: Construct, props: FunctionFactoryProps): MakeFunction {
  return (id, handler, spec) => {
    const { memorySize, timeout, reservedConcurrentExecutions } = props.settings[handler];
    return new HandlerFunction(scope, id, {
      handler,
      entry: props.entries[handler],
      projectRoot: props.projectRoot,
      lockFile: props.lockFile,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      runtimeAwsSdk: props.runtimeAwsSdk,
      callsOpenAi: handler === "worker" && props.callsOpenAi,
      callsBedrock: handler === "worker" && (props.callsBedrock ?? false),
      // The API's router alone has the route that loads the MCP server SDK.
      servesMcp: handler !== "api" || props.mcpEndpoint,
      importsSdkLazily: handler === "api" || (handler === "worker" && props.usesMcp),
      memorySize,
      timeout,
      ...(reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions }),
      ...(props.network && runsTools[handler] ? { network: props.network } : {}),
      ...spec,
    }).function;
  };
}
