import { dirname } from "node:path";
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { DomainName, HttpApi, HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import type { EventBus } from "aws-cdk-lib/aws-events";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import type { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DEFAULT_METRICS_NAMESPACE } from "../functions/observability/metric-names.ts";
import type { Agent } from "../shared/core/agent.ts";
import { ConfigError } from "../shared/core/errors.ts";
import type { Model } from "../shared/core/ports.ts";
import { agentMap } from "../shared/runtime/agents.ts";
import { apiFunction } from "./constructs/api-function.ts";
import { apiKeyAuthorizer } from "./constructs/api-key-auth.ts";
import type { BedrockRegions } from "./constructs/bedrock-profile-regions.ts";
import {
  channelSettings,
  type EmailChannelProps,
  type SlackChannelProps,
} from "./constructs/channel-settings.ts";
import { functionFactory } from "./constructs/function-factory.ts";
import {
  type FunctionsSettings,
  resolveFunctionSettings,
  sqsMaxConcurrency,
  visibilityFor,
  WORKER_TIMEOUT,
} from "./constructs/function-settings.ts";
import {
  findProjectRoot,
  type HandlerName,
  writeHandlerEntries,
} from "./constructs/handler-entries.ts";
import type { FunctionNetwork } from "./constructs/handler-function.ts";
import type { ApiDomain, JwtAuth } from "./constructs/http-api.ts";
import { monitoring } from "./constructs/monitoring.ts";
import { notifyFunction } from "./constructs/notify-function.ts";
import { PayloadBucket } from "./constructs/payload-bucket.ts";
import { reaperFunction } from "./constructs/reaper-function.ts";
import { reconcilerFunction } from "./constructs/reconciler-function.ts";
import { runtimeOutputs } from "./constructs/runtime-outputs.ts";
import { StepQueues } from "./constructs/step-queues.ts";
import type { ThreadStoreResources } from "./constructs/thread-store-access.ts";
import { ThreadTable } from "./constructs/thread-table.ts";
import { triggerFunction } from "./constructs/trigger-function.ts";
import { workerFunction } from "./constructs/worker-function.ts";
import { workerModels } from "./constructs/worker-models.ts";

export { WORKER_TIMEOUT };

export interface TwelveRuntimeProps {
  /**
   * The path of your agents module (`.ts`, `.js` or `.mjs`), which exports `agents` (and may
   * export `model`). esbuild bundles it into each function.
   */
  entry: string;
  /** The same module's agents, at synth time: their schedules become rules. */
  agents: readonly Agent[];
  /**
   * What drives the agents that name no model of their own (an agent's own `model` always wins):
   * - `openai` (default): the environment's model, `agentModel`: OpenAI, its key in the
   *   `openAiKeySecret`; or Bedrock with `agentModel: "bedrock:<id>"` (no secret);
   * - the agents module's `model` export itself (`import { agents, model } from "./agents.ts"`):
   *   no secret, and its Bedrock model is granted like the agents' own;
   * - `module`: the module's own `model` export, unknown at synth (no secret, no grant).
   *
   * The worker may invoke exactly the Bedrock models so known (`bedrock:InvokeModel`); the
   * OpenAI secret exists only when an agent falls back to an OpenAI environment model.
   */
  model?: "openai" | "module" | Model;
  /**
   * `AGENT_MODEL` of the worker: an OpenAI model (`gpt-4o-mini` when unset; `openai:<id>` too)
   * or `bedrock:<model id, profile id or ARN>`.
   */
  agentModel?: string;
  /**
   * Per geography of cross-Region inference profiles (`us`, `eu`, `apac`, `jp`, `au`, `ca`,
   * `us-gov`), the destination Regions whose foundation model the worker may invoke through such
   * a profile, instead of the built-in table (`PROFILE_DESTINATIONS`, from AWS's "Supported
   * Regions and models for inference profiles"): `{ eu: ["eu-west-1", "eu-central-1"] }`.
   */
  bedrockRegions?: BedrockRegions;
  /** `OPENAI_BASE_URL` of the worker, for an OpenAI-compatible server. */
  openAiBaseUrl?: string;
  /** The table and log groups: kept (default) or deleted with the stack. */
  removalPolicy?: RemovalPolicy;
  /** `POWERTOOLS_LOG_LEVEL` of every function. Default `INFO`. */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Leave `@aws-sdk/*` to the Lambda runtime instead of bundling it. Default false. */
  runtimeAwsSdk?: boolean;
  /** An existing SNS topic the alarms notify. */
  alarmTopicArn?: string;
  /**
   * The CloudWatch namespace of the agents' metrics (`POWERTOOLS_METRICS_NAMESPACE`) and of the
   * dashboard. Default `Twelve`; give two deployments in one account and region their own.
   */
  metricsNamespace?: string;
  /** The event bus to create. Default `<stack name, lowercase>-agents`. */
  eventBusName?: string;
  /** Where the project (and its lockfile) is. Default: the nearest folder above `entry` with one. */
  projectRoot?: string;
  /**
   * Callers sign in with an OIDC / Cognito issuer instead of API keys: the HTTP API's JWT
   * authorizer checks `Authorization: Bearer <JWT>` (signature, `iss`, `aud`, expiry), and the
   * events a request causes name `sub` (`"<sub> <email>"` when the token has an email) as
   * `by.principal`. No API-key secret and no Lambda authorizer are made then.
   *
   * @example
   * jwt: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", audience: ["client-id"] }
   */
  jwt?: JwtAuth;
  /**
   * Approvals and questions in Slack: where pauses are posted (a channel id, and per agent).
   * The bot token and signing secret go into the `Slack` secret this makes (put-secret-value
   * `{"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_SIGNING_SECRET": "…"}`).
   */
  slack?: SlackChannelProps;
  /**
   * Approvals and questions by email through SES v2: the sender (a verified SES identity) and the
   * approvers (`"a@x.com, b@x.com"`, or per agent `{"*": […], "deploybot": […]}`). The links'
   * signing key is a generated secret.
   */
  email?: EmailChannelProps;
  /**
   * Memory (MB), timeout and reserved concurrency per function, by handler: `api`, `worker`,
   * `trigger`, `reconciler`, `authorizer`, `notify`, `reaper`. Unset keys keep the defaults
   * (`functionDefaults`: 512 MB each; the worker 5 minutes). The step queue hides a received
   * message for six times the worker's timeout, the inbox for six times the trigger's. A value
   * Lambda or the HTTP API would refuse fails the synth, naming the setting.
   *
   * @example
   * functions: { worker: { memorySize: 1024, timeout: Duration.minutes(10), reservedConcurrentExecutions: 20 } }
   */
  functions?: FunctionsSettings;
  /**
   * A VPC for the functions that run the agents' tools and prefetches (the worker), so tools can
   * reach private databases. The VPC must let them reach DynamoDB, SQS, S3, EventBridge,
   * Secrets Manager, X-Ray and the model (a NAT gateway, or VPC endpoints and a proxy).
   */
  vpc?: IVpc;
  /** The subnets of `vpc` the worker runs in. Default: the VPC's private subnets. */
  vpcSubnets?: SubnetSelection;
  /** The worker's security groups in `vpc`. Default: a new group, all outbound, no inbound. */
  securityGroups?: ISecurityGroup[];
  /**
   * Serve the HTTP API at `https://<name>/` (an ACM certificate for it in the stack's region):
   * `url` and the links in notices use it. Point a DNS record at `domainName.regionalDomainName`.
   * For a base path or a domain you manage elsewhere, map `httpApi` and `stage` yourself instead.
   */
  domain?: ApiDomain;
  /**
   * Serve `POST /mcp`, your agents as MCP tools (`docs/mcp.md`). Default true. `false` leaves the
   * route out of the HTTP API and the MCP server SDK (about 358 KB) out of the API function's
   * bundle: for a deployment no MCP client calls.
   */
  mcpEndpoint?: boolean;
  /**
   * Make the stack outputs `ApiKeySecretArn` and `OpenAiKeySecretArn` (each when its secret
   * exists). Default true; a second runtime in the same stack needs false (output names are
   * unique in a stack).
   */
  outputs?: boolean;
}

/**
 * The step queue's visibility timeout with the default worker timeout: six times it, AWS's advice
 * for an SQS event source (`functions.worker.timeout` moves it along).
 */
export const STEP_VISIBILITY_TIMEOUT = visibilityFor(WORKER_TIMEOUT);
/** Receives of one step message before it moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** How often the reconciler looks for running threads whose step message was lost. */
export const RECONCILE_EVERY = Duration.minutes(5);

/**
 * The whole runtime, in any stack: the thread table, the FIFO step queue and its dead-letter
 * queue, the HTTP API behind a bearer-key authorizer, the step worker, the EventBridge bus,
 * trigger and schedules, the reconciler, alarms and a dashboard (the worker traced with X-Ray,
 * the agents' metrics per agent). The functions run your agents module with the handlers
 * `twelve dev` runs. It outputs `ApiKeySecretArn` and `OpenAiKeySecretArn` (see `outputs`).
 *
 * @example
 * import { agents } from "./agents.ts";
 * const runtime = new TwelveRuntime(stack, "Agents", { entry: "./agents.ts", agents });
 * new CfnOutput(stack, "ApiUrl", { value: runtime.url });
 */
export class TwelveRuntime extends Construct {
  readonly table: Table;
  /** Event data over 32 KB, one object per event (`PAYLOAD_BUCKET`); retained with the stack. */
  readonly payloadBucket: Bucket;
  readonly stepQueue: Queue;
  readonly deadLetterQueue: Queue;
  /** Where other systems send launches and answers (`aws sqs send-message`). */
  readonly inboxQueue: Queue;
  /** Inbox messages that could never be processed, each with its `twelve-reason`. */
  readonly inboxDeadLetterQueue: Queue;
  readonly bus: EventBus;
  /** Base URL of the HTTP API (the custom domain's, with `domain`). */
  readonly url: string;
  /** The HTTP API, for a `DomainName` + `ApiMapping` of yours, or more routes. */
  readonly httpApi: HttpApi;
  /** Its `$default` stage (throttled, access-logged), the stage to map a domain to. */
  readonly stage: HttpStage;
  /** The custom domain, with `domain`: its `regionalDomainName` is the DNS target. */
  readonly domainName: DomainName | undefined;
  /**
   * The API's bearer keys (one generated key; put-secret-value JSON `{"<name>": "<key>"}` for
   * named keys). Absent with `jwt`. Output as `ApiKeySecretArn`.
   */
  readonly apiKeySecret: Secret | undefined;
  /**
   * Where the OpenAI key goes; made only when an agent falls back to an OpenAI environment model
   * (not with `model: "module"`, the module's model, or `agentModel: "bedrock:…"`). Output as
   * `OpenAiKeySecretArn`.
   */
  readonly openAiKeySecret: Secret | undefined;
  /** `POST /hooks/{source}` secrets, as JSON `{"<source>": "<secret>"}`. */
  readonly webhookSecrets: Secret;
  /** Receivers of thread notices, as JSON `[{"url", "secret", "events"?, "agents"?}]`. */
  readonly notifyWebhooks: Secret;
  /** The functions by handler; no `authorizer` with `jwt`. */
  readonly functions: Record<Exclude<HandlerName, "authorizer">, NodejsFunction> & {
    authorizer?: NodejsFunction;
  };

  constructor(scope: Construct, id: string, props: TwelveRuntimeProps) {
    super(scope, id);
    // Two agents with one name, or something that is not an agent, fail the synth by name. The
    // agents served are those listed and the children they call (`agentTool`), recursively, once
    // each: a child gets its model's grant, its schedules and its dashboard row as a listed one.
    const served = [...agentMap(props.agents).values()];
    const models = workerModels({
      agents: served,
      model: props.model ?? "openai",
      agentModel: props.agentModel,
    });
    const settings = resolveFunctionSettings(props.functions);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const make = functionFactory(this, {
      ...bundledProject(props),
      logLevel: props.logLevel ?? "INFO",
      removalPolicy,
      runtimeAwsSdk: props.runtimeAwsSdk ?? false,
      // Only the worker calls the model, and OpenAI only when one of its models is OpenAI.
      callsOpenAi: models.callsOpenAi,
      callsBedrock: models.callsBedrockClient,
      usesMcp: served.some((agent) => agent.mcp.length > 0),
      mcpEndpoint: props.mcpEndpoint ?? true,
      settings,
      ...networkOf(props),
    });

    const { table } = new ThreadTable(this, "Threads", { removalPolicy });
    // Every function holding the store reads what it needs of the bucket, no more.
    const payloads = new PayloadBucket(this, "Payloads");
    const steps = new StepQueues(this, "Steps", {
      visibilityTimeout: visibilityFor(settings.worker.timeout),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    const eventBusName = props.eventBusName ?? `${Stack.of(this).stackName.toLowerCase()}-agents`;
    const store: ThreadStoreResources = {
      table,
      payloads,
      steps,
      environment: {
        TABLE_NAME: table.tableName,
        STEP_QUEUE_URL: steps.queue.queueUrl,
        EVENT_BUS_NAME: eventBusName,
      },
    };

    // With a JWT issuer the gateway checks the tokens itself: no key, no authorizer function.
    const auth = props.jwt ? { jwt: props.jwt } : apiKeyAuthorizer(this, make);
    const keyAuth = "jwt" in auth ? undefined : auth;
    const api = apiFunction(this, make, {
      store,
      authorizer: "jwt" in auth ? auth : auth.authorizer,
      removalPolicy,
      ...(props.domain ? { domain: props.domain } : {}),
      mcpEndpoint: props.mcpEndpoint ?? true,
    });
    const { trigger, inbox, triggers } = triggerFunction(this, make, {
      store,
      agents: served,
      eventBusName,
      timeout: settings.trigger.timeout,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      ...pollerCap(settings.trigger.reservedConcurrentExecutions),
    });
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    const { worker, openAiKey } = workerFunction(this, make, {
      store,
      bus: triggers.bus,
      openAiKey: models.openAiKey,
      bedrock: models.bedrock,
      ...(props.bedrockRegions ? { bedrockRegions: props.bedrockRegions } : {}),
      ...(props.agentModel ? { agentModel: props.agentModel } : {}),
      ...(props.openAiBaseUrl ? { openAiBaseUrl: props.openAiBaseUrl } : {}),
      metricsNamespace,
      publicUrl: api.api.url,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      ...pollerCap(settings.worker.reservedConcurrentExecutions),
    });
    const reconciler = reconcilerFunction(this, make, {
      store,
      metricsNamespace,
      every: RECONCILE_EVERY,
    });
    const { notify, notifyWebhooks, undelivered } = notifyFunction(this, make, {
      bus: triggers.bus,
      channels: channelSettings(this, props, api.handler),
    });
    const { reaper, unreaped } = reaperFunction(this, make, table, payloads);
    monitoring(this, {
      agents: served.map((agent) => agent.name),
      namespace: metricsNamespace,
      worker,
      deadLetters: {
        steps: steps.deadLetterQueue,
        inbox: inbox.deadLetterQueue,
        undeliveredNotices: undelivered,
        unreapedThreads: unreaped,
      },
      ...(props.alarmTopicArn ? { alarmTopicArn: props.alarmTopicArn } : {}),
    });

    this.table = table;
    this.payloadBucket = payloads.bucket;
    this.stepQueue = steps.queue;
    this.deadLetterQueue = steps.deadLetterQueue;
    this.inboxQueue = inbox.queue;
    this.inboxDeadLetterQueue = inbox.deadLetterQueue;
    this.bus = triggers.bus;
    this.url = api.api.url;
    this.httpApi = api.api.api;
    this.stage = api.api.stage;
    this.domainName = api.api.domainName;
    this.apiKeySecret = keyAuth?.apiKey;
    this.openAiKeySecret = openAiKey;
    this.webhookSecrets = api.webhookSecrets;
    this.notifyWebhooks = notifyWebhooks;
    this.functions = {
      api: api.handler,
      worker,
      trigger,
      reconciler,
      notify,
      reaper,
      ...(keyAuth ? { authorizer: keyAuth.authorizer } : {}),
    };
    if (props.outputs ?? true) {
      runtimeOutputs(this, { apiKeySecret: this.apiKeySecret, openAiKeySecret: openAiKey });
    }
  }

  /** @deprecated The same secret as `apiKeySecret`. */
  get apiKey(): Secret | undefined {
    return this.apiKeySecret;
  }

  /** @deprecated The same secret as `openAiKeySecret`. */
  get openAiKey(): Secret | undefined {
    return this.openAiKeySecret;
  }
}

/** The project esbuild bundles (the nearest lockfile above `entry`), and the handlers' entries. */
function bundledProject(props: TwelveRuntimeProps) {
  const { projectRoot, lockFile } = findProjectRoot(props.projectRoot ?? dirname(props.entry));
  const entries = writeHandlerEntries({ entry: props.entry, projectRoot });
  return { projectRoot, lockFile, entries };
}

/** A queue-fed function's reserve as its event source's `maxConcurrency`, when it has one. */
function pollerCap(reserved: number | undefined): { maxConcurrency?: number } {
  const cap = sqsMaxConcurrency(reserved);
  return cap === undefined ? {} : { maxConcurrency: cap };
}

/** The worker's VPC, subnets and security groups, when `vpc` is given. */
function networkOf(props: TwelveRuntimeProps): { network?: FunctionNetwork } {
  if (!props.vpc) {
    if (props.vpcSubnets || props.securityGroups) {
      throw new ConfigError(
        `TwelveRuntime ${props.vpcSubnets ? "vpcSubnets" : "securityGroups"} is set without vpc: give the vpc they belong to`,
      );
    }
    return {};
  }
  return {
    network: {
      vpc: props.vpc,
      ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
      ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
    },
  };
}
