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
import { ensureStepQueues } from "../../shared/aws/sqs/queues.ts";
import type { Model } from "../../shared/core/ports.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { assertPortFree, startDynamoDbLocal, startSqsEmulator } from "./emulators.ts";
import { startEventBridgeServer } from "./eventbridge-server.ts";
import { startHttpBridge } from "./http-bridge.ts";
import { startPoller } from "./poller.ts";
import { startScheduler } from "./scheduler.ts";

export interface LocalStackOptions {
  port: number;
  dynamoPort: number;
  sqsPort: number;
  /** Where DynamoDB Local keeps its files; null keeps threads in memory. */
  dataDir: string | null;
  /** Wipe `dataDir` first. */
  fresh?: boolean;
  /** Overrides the configured model (tests pass a scripted one). */
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
    await assertPortFree(options.port, "the HTTP API", "PORT");
    if (options.fresh && options.dataDir) rmSync(options.dataDir, { recursive: true, force: true });
    const dynamo = await startDynamoDbLocal({
      port: options.dynamoPort,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    stops.push(dynamo.stop);
    const sqs = await startSqsEmulator({ port: options.sqsPort });
    stops.push(sqs.stop);
    const bus = await startEventBridgeServer();
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
    const tableName = "twelve-threads";
    await ensureTable(new DynamoDBClient({}), tableName);
    const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
    const queues = await ensureStepQueues(sqsClient, {
      name: "twelve-steps",
      maxReceiveCount: options.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    });
    const url = `http://127.0.0.1:${options.port}`;
    const config = readConfig({
      ...process.env,
      TABLE_NAME: tableName,
      STEP_QUEUE_URL: queues.queueUrl,
      EVENT_BUS_NAME: "twelve-agents",
      PUBLIC_URL: url,
      DEMO_MODEL: options.model || process.env.OPENAI_API_KEY ? "false" : "true",
      AGENT_API_KEY: options.apiKey ?? "",
    });
    const deps = createRuntime(config);
    if (options.model) deps.model = options.model;

    const api = createApiHandler(deps, {
      ...(config.AGENT_API_KEY ? { apiKey: config.AGENT_API_KEY } : {}),
      maxBodyBytes: config.MAX_BODY_BYTES,
      logger,
      webhooks: {
        secrets: async () => options.webhookSecrets ?? readWebhookSecrets(),
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
