import { dirname } from "node:path";
import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from "aws-cdk-lib";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { type EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, StartingPosition, Tracing } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq, SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DEFAULT_METRICS_NAMESPACE } from "../functions/observability/metric-names.ts";
import { ttlMetaRemovalPattern } from "../shared/aws/dynamo/ttl-removal.ts";
import type { Agent } from "../shared/core/agent.ts";
import { agentMap } from "../shared/runtime/agents.ts";
import { AgentTriggers } from "./constructs/agent-triggers.ts";
import { RuntimeAlarms } from "./constructs/alarms.ts";
import { RuntimeDashboard } from "./constructs/dashboard.ts";
import {
  findProjectRoot,
  type HandlerName,
  writeHandlerEntries,
} from "./constructs/handler-entries.ts";
import { HandlerFunction } from "./constructs/handler-function.ts";
import { type JwtAuth, ThreadsApi } from "./constructs/http-api.ts";
import { PayloadBucket } from "./constructs/payload-bucket.ts";
import { InboxQueues, StepQueues } from "./constructs/step-queues.ts";
import { ThreadTable } from "./constructs/thread-table.ts";
import { acknowledgeIndexAccess, acknowledgeManualRotation } from "./nag.ts";

export interface TwelveRuntimeProps {
  /**
   * The path of your agents module (`.ts`, `.js` or `.mjs`), which exports `agents` (and may
   * export `model`). esbuild bundles it into each function.
   */
  entry: string;
  /** The same module's agents, at synth time: their schedules become rules. */
  agents: readonly Agent[];
  /**
   * What drives the worker: `openai` (default; the key goes into the `openAiKey` secret) or
   * `module`, the agents module's own `model` export (no secret, no OpenAI calls).
   */
  model?: "openai" | "module";
  /** `AGENT_MODEL` of the worker (the SDK's default model when unset). */
  agentModel?: string;
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
  slack?: { channel?: string; channels?: Readonly<Record<string, string>>; agent?: string };
  /**
   * Approvals and questions by email through SES v2: the sender (a verified SES identity) and the
   * approvers (`"a@x.com, b@x.com"`, or per agent `{"*": […], "deploybot": […]}`). The links'
   * signing key is a generated secret.
   */
  email?: {
    from: string;
    approvers: string | Readonly<Record<string, readonly string[]>>;
    linkTtlSeconds?: number;
  };
}

/** A step: one model call (60 s SDK timeout, retries) and tools, up to 10 per FIFO batch in turn. */
export const WORKER_TIMEOUT = Duration.minutes(5);
/** AWS's advice for an SQS event source: six times the function timeout. */
export const STEP_VISIBILITY_TIMEOUT = Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6);
/** Receives of one step message before it moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** How often the reconciler looks for running threads whose step message was lost. */
export const RECONCILE_EVERY = Duration.minutes(5);

/**
 * The whole runtime, in any stack: the thread table, the FIFO step queue and its dead-letter
 * queue, the HTTP API behind a bearer-key authorizer, the step worker, the EventBridge bus,
 * trigger and schedules, the reconciler, alarms and a dashboard (the worker traced with X-Ray,
 * the agents' metrics per agent). The functions run your agents module with the handlers
 * `twelve dev` runs.
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
  /** Base URL of the HTTP API. */
  readonly url: string;
  /**
   * The API's bearer keys (one generated key; put-secret-value JSON `{"<name>": "<key>"}` for
   * named keys). Absent with `jwt`.
   */
  readonly apiKey: Secret | undefined;
  /** `POST /hooks/{source}` secrets, as JSON `{"<source>": "<secret>"}`. */
  readonly webhookSecrets: Secret;
  /** Receivers of thread notices, as JSON `[{"url", "secret", "events"?, "agents"?}]`. */
  readonly notifyWebhooks: Secret;
  /** Where the OpenAI key goes; absent with `model: "module"`. */
  readonly openAiKey: Secret | undefined;
  /** The functions by handler; no `authorizer` with `jwt`. */
  readonly functions: Record<Exclude<HandlerName, "authorizer">, NodejsFunction> & {
    authorizer?: NodejsFunction;
  };

  constructor(scope: Construct, id: string, props: TwelveRuntimeProps) {
    super(scope, id);
    const settings = {
      logLevel: props.logLevel ?? "INFO",
      runtimeAwsSdk: props.runtimeAwsSdk ?? false,
    };
    // Two agents with one name, or something that is not an agent, fail the synth by name.
    agentMap(props.agents);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { projectRoot, lockFile } = props.projectRoot
      ? findProjectRoot(props.projectRoot)
      : findProjectRoot(dirname(props.entry));
    const entries = writeHandlerEntries({ entry: props.entry, projectRoot });
    const fn = (
      name: string,
      handler: HandlerName,
      rest: {
        description: string;
        timeout: Duration;
        environment?: Record<string, string>;
        tracing?: Tracing;
      },
    ) =>
      new HandlerFunction(this, name, {
        handler,
        entry: entries[handler],
        projectRoot,
        lockFile,
        logLevel: settings.logLevel,
        removalPolicy,
        runtimeAwsSdk: settings.runtimeAwsSdk,
        // Only the worker calls the model; with the module's own model, not OpenAI either.
        callsOpenAi: handler === "worker" && props.model !== "module",
        ...rest,
      }).function;

    const { table } = new ThreadTable(this, "Threads", { removalPolicy });
    // Every function holding the store reads what it needs of the bucket, no more.
    const payloads = new PayloadBucket(this, "Payloads");
    const steps = new StepQueues(this, "Steps", {
      visibilityTimeout: STEP_VISIBILITY_TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    const eventBusName = props.eventBusName ?? `${Stack.of(this).stackName.toLowerCase()}-agents`;
    const runtimeEnv = {
      TABLE_NAME: table.tableName,
      STEP_QUEUE_URL: steps.queue.queueUrl,
      EVENT_BUS_NAME: eventBusName,
    };

    // With a JWT issuer the gateway checks the tokens itself: no key, no authorizer function.
    const auth = props.jwt ? { jwt: props.jwt } : this.apiKeyAuthorizer(fn);
    const keyAuth = "jwt" in auth ? undefined : auth;

    // Per-source secrets of the signed webhooks, as JSON: {"<source>": "<secret>"}.
    const webhookSecrets = new Secret(this, "WebhookSecrets", {
      description: 'Secrets of POST /hooks/{source} as JSON {"<source>": "<secret>"}',
      secretStringValue: SecretValue.unsafePlainText("{}"),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeManualRotation(
      webhookSecrets,
      "Shared with the external senders of webhooks: it changes when they change it, by hand " +
        "(put-secret-value); the API reads it again within 5 minutes.",
    );

    // The HTTP API never calls the model and publishes nothing: it writes and enqueues.
    const apiHandler = fn("ApiHandler", "api", {
      description: "HTTP API: launch, read, list and answer threads",
      timeout: Duration.seconds(10),
      environment: { ...runtimeEnv, WEBHOOK_SECRETS_ARN: webhookSecrets.secretArn },
    });
    webhookSecrets.grantRead(apiHandler);
    table.grantReadWriteData(apiHandler);
    acknowledgeIndexAccess(apiHandler, table);
    // It writes launches and answers, reads threads (and presigns their data's links), deletes.
    payloads.grantReadWrite(apiHandler);
    payloads.grantDelete(apiHandler);
    steps.queue.grantSendMessages(apiHandler);
    const api = new ThreadsApi(this, "Api", {
      handler: apiHandler,
      authorizer: "jwt" in auth ? auth : auth.authorizer,
      removalPolicy,
    });

    const inbox = new InboxQueues(this, "Inbox", {
      // Six times the trigger's timeout, as AWS advises for an SQS event source.
      visibilityTimeout: Duration.minutes(1),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    const trigger = fn("Trigger", "trigger", {
      description:
        "Launches agents from EventBridge schedules, agent.launch events and the inbox queue",
      timeout: Duration.seconds(10),
      environment: { ...runtimeEnv, INBOX_DLQ_URL: inbox.deadLetterQueue.queueUrl },
    });
    table.grantReadWriteData(trigger);
    acknowledgeIndexAccess(trigger, table);
    payloads.grantReadWrite(trigger);
    steps.queue.grantSendMessages(trigger);
    // What can never be processed goes straight to the inbox's dead letters, with the reason.
    inbox.deadLetterQueue.grantSendMessages(trigger);
    trigger.addEventSource(
      new SqsEventSource(inbox.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    const triggers = new AgentTriggers(this, "Triggers", {
      agents: props.agents,
      trigger,
      eventBusName,
    });

    const openAiKey =
      props.model === "module"
        ? undefined
        : new Secret(this, "OpenAiApiKey", {
            description: "OpenAI API key of the Twelve worker: put-secret-value the real key",
            removalPolicy: RemovalPolicy.DESTROY,
          });
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    const worker = fn("Worker", "worker", {
      description: "Step worker: one reducer step per SQS FIFO message",
      timeout: WORKER_TIMEOUT,
      // Each step a subsegment, the model calls and tool runs its children (Powertools Tracer).
      tracing: Tracing.ACTIVE,
      environment: {
        ...runtimeEnv,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        // The worker is not behind the API, so linking to it makes no cycle.
        PUBLIC_URL: api.url,
        // On the last delivery the queue allows, a failing step marks its thread failed.
        STEP_MAX_RECEIVES: String(MAX_RECEIVE_COUNT),
        ...(openAiKey
          ? { OPENAI_API_KEY_SECRET_ARN: openAiKey.secretArn }
          : { TWELVE_MODEL: "module" }),
        ...(props.agentModel ? { AGENT_MODEL: props.agentModel } : {}),
        ...(props.openAiBaseUrl ? { OPENAI_BASE_URL: props.openAiBaseUrl } : {}),
      },
    });
    table.grantReadWriteData(worker);
    acknowledgeIndexAccess(worker, table);
    payloads.grantReadWrite(worker);
    steps.queue.grantSendMessages(worker);
    triggers.bus.grantPutEventsTo(worker);
    if (openAiKey) {
      openAiKey.grantRead(worker);
      acknowledgeManualRotation(
        openAiKey,
        "Holds a key OpenAI issues; Secrets Manager cannot mint one. Rotate it at OpenAI and " +
          "put-secret-value; workers read it again within 5 minutes.",
      );
    }
    worker.addEventSource(
      new SqsEventSource(steps.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const reconciler = fn("Reconciler", "reconciler", {
      description: "Re-enqueues running threads whose step message was lost",
      timeout: Duration.minutes(1),
      // It also publishes the approvals waiting per agent.
      environment: { ...runtimeEnv, POWERTOOLS_METRICS_NAMESPACE: metricsNamespace },
    });
    table.grantReadData(reconciler);
    acknowledgeIndexAccess(reconciler, table);
    payloads.grantRead(reconciler);
    steps.queue.grantSendMessages(reconciler);
    new Rule(this, "Reconcile", {
      description: "Runs the reconciler",
      schedule: Schedule.rate(RECONCILE_EVERY),
      targets: [new LambdaFunction(reconciler, { retryAttempts: 0 })],
    });

    // Notices fan out to the channels away from the steps: a receiver that is down costs a step
    // nothing; EventBridge retries the fan-out, then keeps the notice in a dead-letter queue.
    const notifyWebhooks = new Secret(this, "NotifyWebhooks", {
      description:
        'Receivers of thread notices as JSON [{"url", "secret": "whsec_…", "events"?, "agents"?}]',
      secretStringValue: SecretValue.unsafePlainText("[]"),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeManualRotation(
      notifyWebhooks,
      "Shared with the receivers of notices, who verify with it: it changes when they change it, " +
        "by hand (put-secret-value); the notify function reads it again within 5 minutes.",
    );
    const channels = this.channelSettings(props, apiHandler);
    const notify = fn("Notify", "notify", {
      description: "Hands thread notices (waiting, done, failed) to webhooks, Slack and email",
      timeout: Duration.seconds(60),
      environment: { NOTIFY_WEBHOOKS_ARN: notifyWebhooks.secretArn, ...channels.environment },
    });
    notifyWebhooks.grantRead(notify);
    channels.grant(notify);
    const undelivered = new Queue(this, "UndeliveredNotices", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(undelivered).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "The dead-letter queue of the notices rule's target: EventBridge puts there what it could not deliver.",
    });
    new Rule(this, "Notices", {
      description: "Thread notices to the notify function",
      eventBus: triggers.bus,
      eventPattern: {
        source: ["twelve"],
        detailType: ["thread.waiting", "thread.done", "thread.failed"],
      },
      targets: [
        new LambdaFunction(notify, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: undelivered,
        }),
      ],
    });

    const { reaper, unreaped } = this.reaper(fn, table, payloads);

    const action = props.alarmTopicArn
      ? { action: new SnsAction(Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn)) }
      : {};
    const alarms = new RuntimeAlarms(this, "Alarms", {
      undeliveredNotices: undelivered,
      deadLetterQueue: steps.deadLetterQueue,
      inboxDeadLetterQueue: inbox.deadLetterQueue,
      unreapedThreads: unreaped,
      worker,
      ...action,
    });
    // The dead letters' alarms are the ones above: the dashboard shows them, it makes none.
    new RuntimeDashboard(this, "Dashboard", {
      agents: props.agents.map((agent) => agent.name),
      namespace: metricsNamespace,
      deadLetterQueues: {
        "step messages": steps.deadLetterQueue,
        "inbox messages": inbox.deadLetterQueue,
        "undelivered notices": undelivered,
        "unreaped threads": unreaped,
      },
      alarms: [
        alarms.deadLetters,
        ...(alarms.inboxDeadLetters ? [alarms.inboxDeadLetters] : []),
        ...(alarms.undeliveredNotices ? [alarms.undeliveredNotices] : []),
        ...(alarms.unreapedThreads ? [alarms.unreapedThreads] : []),
        alarms.workerErrors,
        alarms.workerThrottles,
      ],
      ...action,
    });

    this.table = table;
    this.payloadBucket = payloads.bucket;
    this.stepQueue = steps.queue;
    this.deadLetterQueue = steps.deadLetterQueue;
    this.inboxQueue = inbox.queue;
    this.inboxDeadLetterQueue = inbox.deadLetterQueue;
    this.bus = triggers.bus;
    this.url = api.url;
    this.apiKey = keyAuth?.apiKey;
    this.webhookSecrets = webhookSecrets;
    this.openAiKey = openAiKey;
    this.functions = {
      api: apiHandler,
      worker,
      trigger,
      reconciler,
      notify,
      reaper,
      ...(keyAuth ? { authorizer: keyAuth.authorizer } : {}),
    };
    this.notifyWebhooks = notifyWebhooks;
  }

  /**
   * Slack's and email's settings for the notify function (which posts and sends) and the API
   * function (which takes the clicks and the confirm pages): the Slack secret both read, the
   * email link key both use, and SES sending for notify alone.
   */
  private channelSettings(props: TwelveRuntimeProps, api: NodejsFunction) {
    const environment: Record<string, string> = {};
    const grants: ((fn: NodejsFunction) => void)[] = [];
    if (props.slack) {
      const slack = new Secret(this, "Slack", {
        description:
          'Slack app of the approvals: JSON {"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_SIGNING_SECRET": "…"}',
        secretStringValue: SecretValue.unsafePlainText("{}"),
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledgeManualRotation(
        slack,
        "Holds a token and a signing secret Slack issues; Secrets Manager cannot mint them. Rotate them in Slack and put-secret-value.",
      );
      environment.SLACK_SECRET_ARN = slack.secretArn;
      if (props.slack.channel) environment.SLACK_CHANNEL = props.slack.channel;
      if (props.slack.channels) environment.SLACK_CHANNELS = JSON.stringify(props.slack.channels);
      if (props.slack.agent) environment.SLACK_AGENT = props.slack.agent;
      grants.push((fn) => slack.grantRead(fn));
      // The API takes Slack's clicks and events: it verifies them with the signing secret.
      api.addEnvironment("SLACK_SECRET_ARN", slack.secretArn);
      slack.grantRead(api);
    }
    if (props.email) {
      const linkKey = new Secret(this, "EmailLinkKey", {
        description: "Signs the approval and reply links of emails (HMAC-SHA256)",
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledgeManualRotation(
        linkKey,
        "A rotation would void the links in emails already sent: rotate by hand (put-secret-value) when that is wanted.",
      );
      // A dynamic reference: CloudFormation puts the generated key into both functions' settings.
      environment.EMAIL_LINK_SECRET = linkKey.secretValue.unsafeUnwrap();
      api.addEnvironment("EMAIL_LINK_SECRET", linkKey.secretValue.unsafeUnwrap());
      environment.EMAIL_FROM = props.email.from;
      environment.APPROVER_EMAILS =
        typeof props.email.approvers === "string"
          ? props.email.approvers
          : JSON.stringify(props.email.approvers);
      if (props.email.linkTtlSeconds) {
        environment.EMAIL_LINK_TTL_SECONDS = String(props.email.linkTtlSeconds);
      }
      // The sender as SES knows it: a verified address, or the domain it belongs to.
      const address = props.email.from.replace(/^.*<|>.*$/g, "").trim();
      const domain = address.split("@")[1] ?? address;
      const stack = Stack.of(this);
      grants.push((fn) =>
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ["ses:SendEmail", "ses:SendRawEmail"],
            resources: [address, domain].map((identity) =>
              stack.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
            ),
          }),
        ),
      );
    }
    const grant = (fn: NodejsFunction) => {
      for (const give of grants) give(fn);
    };
    return { environment, grant };
  }

  /**
   * The reaper: TTL removes an expired thread's meta item alone (its last event + retention; event
   * items carry no `expiresAt`), and the table's stream, filtered to those removals, hands it to
   * this function, which deletes the rest of the thread. It may query and delete items of the
   * table and list and delete the thread's objects in the payload bucket, nothing else; records it
   * could not handle go to a dead-letter queue after 10 tries.
   */
  private reaper(
    fn: (
      name: string,
      handler: HandlerName,
      rest: { description: string; timeout: Duration; environment?: Record<string, string> },
    ) => NodejsFunction,
    table: Table,
    payloads: PayloadBucket,
  ): { reaper: NodejsFunction; unreaped: Queue } {
    const reaper = fn("Reaper", "reaper", {
      description: "Deletes the rest of a thread once TTL has removed its meta item",
      timeout: Duration.minutes(1),
      environment: { TABLE_NAME: table.tableName },
    });
    reaper.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:Query", "dynamodb:DeleteItem"],
        resources: [table.tableArn],
      }),
    );
    payloads.grantDelete(reaper);
    const unreaped = new Queue(this, "UnreapedThreads", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(unreaped).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "The on-failure destination of the reaper's stream mapping: what it could not delete.",
    });
    // The event source grants the stream's reads on its ARN, and dynamodb:ListStreams on `*`.
    Validations.of(reaper.role ?? reaper).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "dynamodb:ListStreams, which the stream's event source mapping needs, has no resource-level permissions.",
    });
    reaper.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(unreaped),
        filters: [FilterCriteria.filter(ttlMetaRemovalPattern)],
      }),
    );
    return { reaper, unreaped };
  }

  /** The bearer keys' secret and the Lambda authorizer that checks them, and alone reads it. */
  private apiKeyAuthorizer(
    fn: (
      name: string,
      handler: HandlerName,
      rest: { description: string; timeout: Duration; environment?: Record<string, string> },
    ) => NodejsFunction,
  ): { apiKey: Secret; authorizer: NodejsFunction } {
    // A plain key, or JSON {"<name>": "<key>"} for named keys (the name is the principal); a
    // key may be {"key", "agents"?, "can"?} for a scope, which the authorizer passes on.
    const apiKey = new Secret(this, "ApiKey", {
      description: "Bearer key of the Twelve HTTP API (Authorization: Bearer <key>)",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const authorizer = fn("Authorizer", "authorizer", {
      description: "Checks the HTTP API's bearer key against the ApiKey secret",
      timeout: Duration.seconds(5),
      environment: { API_KEY_SECRET_ARN: apiKey.secretArn },
    });
    apiKey.grantRead(authorizer);
    acknowledgeManualRotation(
      apiKey,
      "A bearer key handed to API clients: rotating it on a timer would lock them out. Rotate it " +
        "by hand (put-secret-value); the authorizer reads it again within 5 minutes.",
    );
    return { apiKey, authorizer };
  }
}
