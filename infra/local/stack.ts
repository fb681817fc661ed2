import { rmSync } from "node:fs";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createApiHandler } from "../../functions/api/app.ts";
import { readWebhookSecrets } from "../../functions/api/webhook-config.ts";
import { readConfig } from "../../functions/config.ts";
import { logger } from "../../functions/logger.ts";
import { createRuntime } from "../../functions/runtime.ts";
import { createTriggerHandler } from "../../functions/trigger/app.ts";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import { DynamoReplayGuard, ensureTable } from "../../shared/aws/dynamo/index.ts";
import {
  LAUNCH_DETAIL_TYPE,
  THREAD_WAITING_DETAIL_TYPE,
} from "../../shared/aws/events/eventbridge-notifier.ts";
import { ensureStepQueues } from "../../shared/aws/sqs/queues.ts";
import type { Agent } from "../../shared/core/agent.ts";
import type { Model } from "../../shared/core/ports.ts";
import { readOpenAIConfig } from "../../shared/llm/config.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { assertPortFree, startDynamoDbLocal, startSqsEmulator } from "./emulators.ts";
import {
  type ReceivedEvent,
  startEventBridgeServer,
  toEventBridgeEnvelope,
} from "./eventbridge-server.ts";
import { startHttpBridge } from "./http-bridge.ts";
import { startPoller } from "./poller.ts";
import { startScheduler } from "./scheduler.ts";

export interface LocalStackOptions {
  /** The agents served (an agents module's `agents`). */
  agents: readonly Agent[];
  port: number;
  dynamoPort: number;
  sqsPort: number;
  /** Where DynamoDB Local keeps its files; null keeps threads in memory. */
  dataDir: string | null;
  /** Wipe `dataDir` first. */
  fresh?: boolean;
  /**
   * The worker's model (an agents module's `model`, or a scripted one in tests). Default: OpenAI
   * from `OPENAI_API_KEY`; without a key, steps fail with a one-line reason.
   */
  model?: Model;
  apiKey?: string;
  /** Webhook sources and secrets; default: `WEBHOOK_SECRETS` from the environment. */
  webhookSecrets?: Record<string, string>;
  /** Seconds before an unacknowledged step message is delivered again. */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  pollers?: number;
  log?: (line: string) => void;
}

export interface LocalStack {
  url: string;
  deps: RuntimeDeps;
  queueUrl: string;
  dlqUrl: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** Events published to the local event bus (EventBridge PutEvents entries). */
  publishedEvents: () => readonly unknown[];
  trigger: ReturnType<typeof createTriggerHandler>;
  stop(): Promise<void>;
}

const REGION = "us-east-1";

/**
 * The whole runtime on this machine: DynamoDB Local, fauxqs, a local EventBridge endpoint, the
 * HTTP API handler behind a local API Gateway, the step worker behind a local event source
 * mapping, and the agents' schedules. The handlers are the ones Lambda runs.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    // Every setting and every port is checked before anything is deleted or started: a start
    // that cannot succeed says why in one line, and a --fresh one must not wipe the data of the
    // stack already running on these ports.
    const url = `http://127.0.0.1:${options.port}`;
    const tableName = "twelve-threads";
    const configFor = (queueUrl: string) =>
      readConfig({
        ...process.env,
        TABLE_NAME: tableName,
        STEP_QUEUE_URL: queueUrl,
        EVENT_BUS_NAME: "twelve-agents",
        PUBLIC_URL: url,
        AGENT_API_KEY: options.apiKey ?? "",
      });
    configFor("http://127.0.0.1/queue-not-created-yet");
    agentMap(options.agents);
    if (!options.model && process.env.OPENAI_API_KEY) readOpenAIConfig(process.env);
    const webhookSecrets = options.webhookSecrets ?? readWebhookSecrets();
    await assertPortFree(options.port, "the HTTP API", "PORT");
    await assertPortFree(options.dynamoPort, "DynamoDB Local", "DYNAMODB_PORT");
    await assertPortFree(options.sqsPort, "the SQS emulator", "SQS_PORT");
    if (options.fresh && options.dataDir) rmSync(options.dataDir, { recursive: true, force: true });
    const dynamo = await startDynamoDbLocal({
      port: options.dynamoPort,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    stops.push(dynamo.stop);
    const sqs = await startSqsEmulator({ port: options.sqsPort });
    stops.push(sqs.stop);
    // The bus routes what its rules route in AWS: `agent.launch` events to the trigger, and it
    // shows the notices the worker publishes.
    let route: (event: ReceivedEvent) => void = () => {};
    const bus = await startEventBridgeServer({ onEvent: (event) => route(event) });
    stops.push(bus.stop);

    // The SDK clients find the emulators through the SDK's own endpoint variables.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    });
    await ensureTable(new DynamoDBClient({}), tableName);
    const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
    const queues = await ensureStepQueues(sqsClient, {
      name: "twelve-steps",
      maxReceiveCount: options.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    });
    const config = configFor(queues.queueUrl);
    const deps = createRuntime(config, {
      agents: options.agents,
      ...(options.model ? { model: options.model } : {}),
    });

    const api = createApiHandler(deps, {
      ...(config.AGENT_API_KEY ? { apiKey: config.AGENT_API_KEY } : {}),
      maxBodyBytes: config.MAX_BODY_BYTES,
      logger,
      webhooks: {
        secrets: async () => webhookSecrets,
        replayGuard: new DynamoReplayGuard({ tableName }),
      },
    });
    const server: Server = await startHttpBridge(api, options.port);
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );

    const poller = startPoller({
      client: sqsClient,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: REGION,
      worker: createWorkerHandler(deps, logger, { maxReceives: options.maxReceiveCount ?? 5 }),
      concurrency: options.pollers ?? 4,
      log,
    });
    stops.push(poller.stop);
    const trigger = createTriggerHandler(deps, logger);
    route = (event) => {
      if (event.detailType === THREAD_WAITING_DETAIL_TYPE) {
        const { threadId, tool, callId } = event.detail;
        log(`thread.waiting: ${String(threadId)} waits on ${String(tool)} (${String(callId)})`);
      }
      if (event.detailType !== LAUNCH_DETAIL_TYPE) return;
      trigger(toEventBridgeEnvelope(event, REGION))
        .then((result) =>
          log(
            result.launched
              ? `agent.launch: launched ${result.threadId}`
              : `agent.launch rejected: ${result.error}`,
          ),
        )
        .catch((error: unknown) => log(`agent.launch failed: ${String(error)}`));
    };
    const scheduler = startScheduler(deps.agents.values(), trigger, log);
    stops.push(async () => scheduler.stop());

    // Queue messages live in memory only: threads that were running when the stack last
    // stopped get their step enqueued again; afterwards the reconciler runs every 30 s, as the
    // scheduled reconciler does in AWS.
    const resumed = await reconcile(deps, { staleAfterMs: 0 });
    if (resumed.enqueued > 0) log(`resumed ${resumed.enqueued} running thread(s)`);
    const reconciler = setInterval(() => {
      reconcile(deps, { staleAfterMs: 60_000 }).catch((error: unknown) =>
        log(`reconciler: ${String(error)}`),
      );
    }, 30_000).unref();
    stops.push(async () => clearInterval(reconciler));

    return {
      url,
      deps,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      sqsEndpoint: sqs.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      publishedEvents: () => bus.entries,
      trigger,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
