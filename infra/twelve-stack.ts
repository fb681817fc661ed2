import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
} from "aws-cdk-lib";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import type { Agent } from "../shared/core/agent.ts";
import { AgentTriggers } from "./constructs/agent-triggers.ts";
import { RuntimeAlarms } from "./constructs/alarms.ts";
import { HandlerFunction } from "./constructs/handler-function.ts";
import { ThreadsApi } from "./constructs/http-api.ts";
import { StepQueues } from "./constructs/step-queues.ts";
import { ThreadTable } from "./constructs/thread-table.ts";
import type { HandlerName } from "./handlers.ts";
import { acknowledgeIndexAccess, acknowledgeManualRotation } from "./nag.ts";
import type { DeploySettings } from "./settings.ts";

export interface TwelveStackProps extends StackProps {
  settings: DeploySettings;
  /** The agents served (the `agents` map): their schedules become rules. */
  agents: Iterable<Agent>;
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
 * The whole runtime in one stack: the thread table, the FIFO step queue and its dead-letter
 * queue, the HTTP API behind a bearer-key authorizer, the step worker, the EventBridge bus,
 * trigger and schedules, the reconciler, and alarms. The functions run the handlers the local
 * stack runs.
 *
 * @example
 * new TwelveStack(app, "Twelve", { settings: readSettings(app.node), agents: agents.values() });
 */
export class TwelveStack extends Stack {
  constructor(scope: Construct, id: string, props: TwelveStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    const fn = (
      name: string,
      handler: HandlerName,
      rest: { description: string; timeout: Duration; environment?: Record<string, string> },
    ) =>
      new HandlerFunction(this, name, {
        handler,
        logLevel: settings.logLevel,
        removalPolicy,
        runtimeAwsSdk: settings.runtimeAwsSdk,
        ...rest,
      }).function;

    const { table } = new ThreadTable(this, "Threads", { removalPolicy });
    const steps = new StepQueues(this, "Steps", {
      visibilityTimeout: STEP_VISIBILITY_TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    const eventBusName = `${this.stackName.toLowerCase()}-agents`;
    const runtimeEnv = {
      TABLE_NAME: table.tableName,
      STEP_QUEUE_URL: steps.queue.queueUrl,
      EVENT_BUS_NAME: eventBusName,
    };

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
    steps.queue.grantSendMessages(apiHandler);
    const api = new ThreadsApi(this, "Api", { handler: apiHandler, authorizer, removalPolicy });

    const trigger = fn("Trigger", "trigger", {
      description: "Launches agents from EventBridge schedules and agent.launch events",
      timeout: Duration.seconds(10),
      environment: runtimeEnv,
    });
    table.grantReadWriteData(trigger);
    acknowledgeIndexAccess(trigger, table);
    steps.queue.grantSendMessages(trigger);
    const triggers = new AgentTriggers(this, "Triggers", {
      agents: props.agents,
      trigger,
      eventBusName,
    });

    const openAiKey = settings.demoModel
      ? undefined
      : new Secret(this, "OpenAiApiKey", {
          description: "OpenAI API key of the Twelve worker: put-secret-value the real key",
          removalPolicy: RemovalPolicy.DESTROY,
        });
    const worker = fn("Worker", "worker", {
      description: "Step worker: one reducer step per SQS FIFO message",
      timeout: WORKER_TIMEOUT,
      environment: {
        ...runtimeEnv,
        // The worker is not behind the API, so linking to it makes no cycle.
        PUBLIC_URL: api.url,
        // On the last delivery the queue allows, a failing step marks its thread failed.
        STEP_MAX_RECEIVES: String(MAX_RECEIVE_COUNT),
        ...(openAiKey
          ? { OPENAI_API_KEY_SECRET_ARN: openAiKey.secretArn }
          : { DEMO_MODEL: "true" }),
        ...(settings.agentModel ? { AGENT_MODEL: settings.agentModel } : {}),
        ...(settings.openAiBaseUrl ? { OPENAI_BASE_URL: settings.openAiBaseUrl } : {}),
      },
    });
    table.grantReadWriteData(worker);
    acknowledgeIndexAccess(worker, table);
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
      environment: runtimeEnv,
    });
    table.grantReadData(reconciler);
    acknowledgeIndexAccess(reconciler, table);
    steps.queue.grantSendMessages(reconciler);
    new Rule(this, "Reconcile", {
      description: "Runs the reconciler",
      schedule: Schedule.rate(RECONCILE_EVERY),
      targets: [new LambdaFunction(reconciler, { retryAttempts: 0 })],
    });

    new RuntimeAlarms(this, "Alarms", {
      deadLetterQueue: steps.deadLetterQueue,
      worker,
      ...(settings.alarmTopicArn
        ? { action: new SnsAction(Topic.fromTopicArn(this, "AlarmTopic", settings.alarmTopicArn)) }
        : {}),
    });

    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description });
    output("ApiUrl", api.url, "Base URL of the HTTP API");
    output("ApiKeySecretArn", apiKey.secretArn, "Secret holding the API's bearer key");
    output("WebhookSecretsArn", webhookSecrets.secretArn, "Webhook secrets: JSON {source: secret}");
    output("TableName", table.tableName, "The thread table");
    output("StepQueueName", steps.queue.queueName, "The FIFO step queue");
    output("DeadLetterQueueName", steps.deadLetterQueue.queueName, "Steps that kept failing");
    output(
      "EventBusName",
      triggers.bus.eventBusName,
      "thread.waiting notices, agent.launch events",
    );
    if (openAiKey) {
      output("OpenAiKeySecretArn", openAiKey.secretArn, "Put the OpenAI API key here");
    }
  }
}
