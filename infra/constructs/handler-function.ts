import { type Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, type Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeTracing } from "../nag.ts";
import { type HandlerName, runsFromSource } from "./handler-entries.ts";
import { allowNetworkInterfaces } from "./vpc-access.ts";

/** What the bundles leave to the Lambda runtime: nothing, or the AWS SDK it includes. */
export const bundlingExternals = (runtimeAwsSdk: boolean): string[] =>
  runtimeAwsSdk ? ["@aws-sdk/*"] : [];

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
        NODE_OPTIONS: "--enable-source-maps",
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
        externalModules: bundlingExternals(props.runtimeAwsSdk ?? false),
        // Some CommonJS dependencies call require() for Node built-ins inside an ES module.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // In this repository the agents module imports `twelve-agents` from its own sources.
        // Naming a condition drops esbuild's default `module` one, so it is named too.
        ...(runsFromSource ? { esbuildArgs: { "--conditions": "twelve-source,module" } } : {}),
      },
    });
    if (props.tracing) acknowledgeTracing(this.function);
  }
}
