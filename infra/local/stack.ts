import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { agentReferences, assertKnownAgents } from "../../functions/agent-references.ts";
import type { createApiHandler } from "../../functions/api/app.ts";
import {
  merge,
  readWebhookSources,
  type WebhookSource,
} from "../../functions/api/webhook-config.ts";
import { type ApiKeys, checkKeyAgents } from "../../functions/api-keys.ts";
import { buildApi } from "../../functions/compose/api.ts";
import { environmentModel } from "../../functions/compose/environment-model.ts";
import { buildNotify } from "../../functions/compose/notify.ts";
import { buildReconciler } from "../../functions/compose/reconciler.ts";
import { assemble } from "../../functions/compose/root.ts";
import { readApiSettings } from "../../functions/compose/settings/api.ts";
import { type AwsSettings, clientConfig } from "../../functions/compose/settings/aws.ts";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { readNotifyWebhooks } from "../../functions/compose/settings/notify-webhooks.ts";
import { readStoreSettings } from "../../functions/compose/settings/store.ts";
import { readWorkerSettings } from "../../functions/compose/settings/worker.ts";
import type { Settings } from "../../functions/compose/settings.ts";
import { buildInbox, buildTrigger } from "../../functions/compose/trigger.ts";
import { buildWorker } from "../../functions/compose/worker.ts";
import { buildConsole } from "../../functions/console/build.ts";
import { stepLine } from "../../functions/observability/step-line.ts";
import { createStepObserver } from "../../functions/observability/step-observer.ts";
import type { createTriggerHandler } from "../../functions/trigger/app.ts";
import { ensureTable } from "../../shared/aws/dynamo/index.ts";
import {
  LAUNCH_DETAIL_TYPE,
  THREAD_WAITING_DETAIL_TYPE,
  THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE,
} from "../../shared/aws/events/eventbridge-notifier.ts";
import { ensureBucket, S3PayloadStore } from "../../shared/aws/s3/payload-store.ts";
import {
  ensureInboxQueues,
  ensureStepQueues,
  sendToDeadLetters,
} from "../../shared/aws/sqs/queues.ts";
import type { Channel } from "../../shared/channels/channel.ts";
import { readEmailConfig } from "../../shared/channels/email/config.ts";
import { noticeTypes } from "../../shared/channels/notices.ts";
import { slackConfig } from "../../shared/channels/slack/config.ts";
import type { DeliveryOptions, WebhookTarget } from "../../shared/channels/webhook-channel.ts";
import type { Agent } from "../../shared/core/agent.ts";
import type { Model } from "../../shared/core/ports.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import { checkToolSources } from "../../shared/runtime/check-tool-sources.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { assertModels } from "../../shared/runtime/model-rule.ts";
import { reconcile, resumeCancelledCalls } from "../../shared/runtime/reconcile.ts";
import { lockDataDir, wipeDataDir } from "./data-lock.ts";
import {
  assertPortFree,
  LocalStackError,
  startDynamoDbLocal,
  startSqsEmulator,
} from "./emulators.ts";
import {
  type ReceivedEvent,
  startEventBridgeServer,
  toEventBridgeEnvelope,
} from "./eventbridge-server.ts";
import { startHttpBridge } from "./http-bridge.ts";
import { startNoticeRetries } from "./notice-retries.ts";
import { DiskCopiedPayloads, loadPayloadFiles, savePayloadFiles } from "./payload-files.ts";
import { startPoller } from "./poller.ts";
import { DEFAULT_RECONCILE_SECONDS } from "./reconcile-every.ts";
import { startScheduler } from "./scheduler.ts";

export interface LocalStackOptions {
  /** The agents served (an agents module's `agents`). */
  agents: readonly Agent[];
  /** The HTTP API's port on 127.0.0.1; 0 (the default) takes any free port: `url` says which. */
  port?: number;
  /** DynamoDB Local's port when the stack starts it; 0 (the default) takes any free port. */
  dynamoPort?: number;
  /** fauxqs's port when the stack starts it; 0 (the default) takes any free port. */
  sqsPort?: number;
  /**
   * Emulators already running (the integration tier's global setup starts one of each): the
   * stack uses them, starts none and leaves them running; `dynamoPort`, `sqsPort`, `dataDir` and
   * `fresh` do not apply. Stacks sharing emulators need their own `tableName` and `queueName`.
   */
  emulators?: { dynamoEndpoint: string; sqsEndpoint: string };
  /** The thread table. Default `twelve-threads` (what `npm run redrive` looks for). */
  tableName?: string;
  /**
   * The payload bucket on fauxqs's S3, where event data over 32 KB goes (`PAYLOAD_BUCKET`).
   * Default `twelve-payloads`. With `dataDir`, its objects are kept in `<dataDir>/s3-payloads`.
   */
  payloadBucket?: string;
  /** The step queues' base name (`<name>.fifo`, `<name>-dlq.fifo`). Default `twelve-steps`. */
  queueName?: string;
  /** The inbox queue other systems send launches and answers to (and `<name>-dlq`). Default `twelve-inbox`. */
  inboxQueueName?: string;
  /** Where DynamoDB Local keeps its files; null (the default) keeps threads in memory. */
  dataDir?: string | null;
  /** Wipe `dataDir` first. */
  fresh?: boolean;
  /**
   * The agents module's `model` (or a scripted one in tests): by the model rule, the model of
   * the agents that name none; without it, the environment's (`OPENAI_API_KEY`), else the
   * stack refuses to start, naming the agent without a model.
   */
  model?: Model;
  /** One bearer key, named `api-key` (the principal of the requests it signs). Default: none. */
  apiKey?: string;
  /**
   * Named bearer keys (`{"alice": "<key>"}`, or with a scope: `{"desk": {"key", "agents", "can"}}`),
   * checked as `AGENT_API_KEYS` is: the name is the principal. Not with `apiKey`. Default: none.
   */
  apiKeys?: ApiKeys;
  /**
   * Webhook sources in Twelve's own format, by name: their secrets (the shorthand of
   * `WEBHOOK_SECRETS`). With neither this nor `webhookSources`: the environment's.
   */
  webhookSecrets?: Record<string, string>;
  /** Webhook sources in any format (`WEBHOOK_SOURCES`): GitHub, Stripe, Standard Webhooks. */
  webhookSources?: Record<string, WebhookSource>;
  /** Receivers of thread notices (`NOTIFY_WEBHOOKS`); default: the environment's. */
  notifyWebhooks?: WebhookTarget[];
  /** Retries of a notice delivery (tests make them quick). */
  notifyDelivery?: DeliveryOptions;
  /**
   * When a notice whose fan-out failed is tried again (default 10 s, 1 min, 5 min), before it
   * goes to `undeliveredNoticesQueueName`.
   */
  noticeRetryDelaysMs?: readonly number[];
  /** The queue in fauxqs that keeps undeliverable notices. Default `twelve-undelivered-notices`. */
  undeliveredNoticesQueueName?: string;
  /** More channels for the notices (Slack, email), beside the webhooks. */
  channels?: readonly Channel[];
  /** Seconds before an unacknowledged step message is delivered again. */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  pollers?: number;
  log?: (line: string) => void;
  /** A line per step on `log`: agent, thread, version, tool, outcome, ms, tokens. Default false. */
  logSteps?: boolean;
  /** How often the reconciler sweeps, in ms (`TWELVE_RECONCILE_SECONDS` for `twelve dev`). Default 30 s. */
  reconcileEveryMs?: number;
}

/** The events the channels hear of. */
const NOTICE_TYPES = new Set<string>(noticeTypes);

export interface LocalStack {
  /** The HTTP API: `http://127.0.0.1:<port>`, the port it really listens on. */
  url: string;
  deps: RuntimeDeps;
  tableName: string;
  /** The payload bucket, on fauxqs's S3 at `sqsEndpoint` (path-style). */
  payloadBucket: string;
  queueUrl: string;
  dlqUrl: string;
  /** The inbox queue (`twelve-inbox`) and its dead-letter queue. */
  inboxUrl: string;
  inboxDlqUrl: string;
  /** Where notices no receiver took after every try are kept (`twelve-undelivered-notices`). */
  undeliveredNoticesUrl: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** The local EventBridge endpoint the worker publishes to. */
  eventsEndpoint: string;
  /** Events published to the local event bus (EventBridge PutEvents entries). */
  publishedEvents: () => readonly unknown[];
  trigger: ReturnType<typeof createTriggerHandler>;
  /**
   * Stops the reconciler, the schedules and the workers (each finishes the step it is on), then
   * the HTTP API and the event bus, then the emulators it started; resolves when their ports are
   * free. Calling it again waits for the same stop.
   */
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
  // Stopped last to first: the workers before the bus and the emulators they use.
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stopAll = () => {
    stopped ??= (async () => {
      for (const stop of stops.toReversed()) await stop().catch(() => {});
    })();
    return stopped;
  };
  try {
    // Every setting and every port is checked before anything is deleted or started: a start
    // that cannot succeed says why in one line, and a --fresh one must not wipe the data of the
    // stack already running on these ports.
    const port = options.port ?? 0;
    const tableName = options.tableName ?? "twelve-threads";
    const payloadBucket = options.payloadBucket ?? "twelve-payloads";
    // Settings the stack does not set itself come from the environment (read, never written).
    const api = readApiSettings({
      ...(options.apiKey ? { AGENT_API_KEY: options.apiKey } : {}),
      ...(options.apiKeys ? { AGENT_API_KEYS: options.apiKeys } : {}),
      MAX_BODY_BYTES: process.env.MAX_BODY_BYTES,
    });
    const storeSettings = readStoreSettings({
      ...process.env,
      TABLE_NAME: tableName,
      PAYLOAD_BUCKET: payloadBucket,
      // fauxqs on 127.0.0.1 answers path-style URLs (no bucket subdomains).
      S3_FORCE_PATH_STYLE: "true",
    });
    const modelSettings = readModelSettings(process.env);
    const workerSettings = readWorkerSettings(process.env);
    const agentsModule = {
      agents: options.agents,
      ...(options.model ? { model: options.model } : {}),
    };
    const served = agentMap(options.agents);
    // The model rule, checked before anything starts: an agent without a model is one line.
    assertModels(served.values(), {
      module: options.model,
      environment: environmentModel(modelSettings),
    });
    if (options.apiKeys) checkKeyAgents(options.apiKeys, served);
    const webhookSources =
      options.webhookSecrets || options.webhookSources
        ? merge(
            options.webhookSecrets ?? {},
            options.webhookSources ?? {},
            "webhookSecrets and webhookSources",
          )
        : readWebhookSources();
    const notifyWebhooks = options.notifyWebhooks ?? readNotifyWebhooks();
    // Email when the environment asks for it (`APPROVER_EMAILS`, `SMTP_URL`, …).
    const email = readEmailConfig(process.env);
    // Slack's settings serve its routes even when the caller hands its own channels.
    const slack = await slackConfig();
    assertKnownAgents(
      options.agents.map((agent) => agent.name),
      agentReferences({ webhookSources, notifyWebhooks, slack, email }),
    );
    // The MCP servers' tool names against each other and the agents' own: a clash is one line
    // now; a server that is down is only reported (its tools are listed when a step needs them).
    const sources = await checkToolSources(options.agents);
    for (const { agent, source, reason } of sources.unanswered) {
      log(
        `agent ${agent}: MCP server "${source}" did not answer at start (${reason}); its tools are listed when a step needs them`,
      );
    }
    const channels: Settings["channels"] = {
      webhookSources: async () => webhookSources,
      inlineWebhookSources: webhookSources,
      notifyWebhooks: async () => notifyWebhooks,
      slack: async () => slack,
      slackAgent: undefined,
      email,
    };
    // Slack when the environment sets it up (`SLACK_BOT_TOKEN`, `SLACK_CHANNEL`, …), unless the
    // caller hands its own channels. Built now: a bad email setting fails before anything starts.
    const notify = buildNotify(
      { channels },
      {
        smtpOnly: true,
        ...(options.notifyDelivery ? { delivery: options.notifyDelivery } : {}),
        ...(options.channels ? { channels: options.channels } : {}),
      },
    );
    const maxReceiveCount = options.maxReceiveCount ?? workerSettings.maxReceives;
    const dynamoPort = options.dynamoPort ?? 0;
    const sqsPort = options.sqsPort ?? 0;
    assertDistinctPorts([
      ["PORT", port],
      ...(options.emulators
        ? []
        : ([
            ["DYNAMODB_PORT", dynamoPort],
            ["SQS_PORT", sqsPort],
          ] as const)),
    ]);
    if (port !== 0) await assertPortFree(port, "the HTTP API", "PORT");
    if (!options.emulators) {
      if (dynamoPort !== 0) await assertPortFree(dynamoPort, "DynamoDB Local", "DYNAMODB_PORT");
      if (sqsPort !== 0) await assertPortFree(sqsPort, "the SQS emulator", "SQS_PORT");
      if (options.dataDir) {
        // Taken before anything in it is touched, released after the emulators have stopped.
        const release = lockDataDir(options.dataDir);
        stops.push(async () => release());
        if (options.fresh) wipeDataDir(options.dataDir);
      }
    }
    const [dynamoEndpoint, sqsEndpoint] = options.emulators
      ? [options.emulators.dynamoEndpoint, options.emulators.sqsEndpoint]
      : await startEmulators(stops, dynamoPort, sqsPort, options.dataDir ?? null);
    // The bus routes what its rules route in AWS: `agent.launch` events to the trigger, and it
    // shows the notices the worker publishes.
    let route: (event: ReceivedEvent) => void = () => {};
    const bus = await startEventBridgeServer({ onEvent: (event) => route(event) });
    stops.push(bus.stop);

    // The clients reach the emulators through the settings, not the process's environment.
    const aws: AwsSettings = {
      region: REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      // fauxqs serves S3 on the endpoint it serves SQS on.
      endpoints: {
        dynamodb: dynamoEndpoint,
        sqs: sqsEndpoint,
        s3: sqsEndpoint,
        eventbridge: bus.endpoint,
      },
    };
    await ensureTable(new DynamoDBClient(clientConfig(aws, "dynamodb")), tableName);
    const s3 = new S3Client({ ...clientConfig(aws, "s3"), forcePathStyle: true });
    await ensureBucket(s3, payloadBucket);
    // fauxqs's S3 lives in memory; DynamoDB Local's files outlive it: keep a copy beside them,
    // written through (`DiskCopiedPayloads`), made whole again on stop.
    const payloadDir =
      options.dataDir && !options.emulators ? join(options.dataDir, "s3-payloads") : undefined;
    const savePayloads = async () => {
      if (payloadDir) await savePayloadFiles(s3, payloadBucket, payloadDir);
    };
    if (payloadDir) {
      const loaded = await loadPayloadFiles(s3, payloadBucket, payloadDir);
      if (loaded > 0) log(`payloads: ${loaded} object(s) put back from ${payloadDir}`);
      // Stops run last to first: this one after the workers and the API, before the emulators.
      stops.push(() =>
        savePayloads().catch((error: unknown) => log(`payload files: ${String(error)}`)),
      );
    }
    const sqsClient = new SQSClient({ ...clientConfig(aws, "sqs"), useQueueUrlAsEndpoint: false });
    const queues = await ensureStepQueues(sqsClient, {
      name: options.queueName ?? "twelve-steps",
      maxReceiveCount,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    });
    const inbox = await ensureInboxQueues(sqsClient, {
      name: options.inboxQueueName ?? "twelve-inbox",
      maxReceiveCount,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    });
    // The HTTP API listens first, so the links in notices name the port it got; its handler is
    // set below, before any request can arrive.
    let apiHandler: ReturnType<typeof createApiHandler> | undefined;
    const server: Server = await startHttpBridge(
      async (event) =>
        apiHandler
          ? apiHandler(event)
          : { statusCode: 503, body: '{"error":{"code":"starting","message":"starting"}}' },
      port,
      log,
    );
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const settings: Settings = {
      store: storeSettings,
      queue: { url: queues.queueUrl },
      bus: { name: "twelve-agents", publicUrl: url },
      api,
      worker: { ...workerSettings, maxReceives: maxReceiveCount },
      inbox: { dlqUrl: inbox.dlqUrl },
      model: modelSettings,
      channels,
      aws,
    };
    // With a data directory, each object's file is written before the put returns: an item the
    // store wrote never points to an object a SIGKILL lost.
    const root = assemble(
      settings,
      agentsModule,
      payloadDir
        ? {
            payloads: new DiskCopiedPayloads(
              new S3PayloadStore({ bucket: payloadBucket, client: s3 }),
              payloadDir,
            ),
          }
        : {},
    );
    const deps: RuntimeDeps = root.deps();
    const worker = buildWorker(root, {
      maxReceives: maxReceiveCount,
      ...(options.logSteps
        ? { observer: createStepObserver({ onStep: (facts) => log(stepLine(facts)) }) }
        : {}),
    });
    // Built once per start (esbuild, some 100 ms): the page at /console.
    apiHandler = buildApi(root, { console: buildConsole(), notifyWebhooks });

    const poller = startPoller({
      client: sqsClient,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: REGION,
      worker,
      concurrency: options.pollers ?? 4,
      log,
    });
    stops.push(poller.stop);
    // The inbox: other systems' launches and answers, as the deployed trigger consumes them.
    const inboxPoller = startPoller({
      client: sqsClient,
      queueUrl: inbox.queueUrl,
      queueArn: inbox.queueArn,
      region: REGION,
      worker: buildInbox(root),
      concurrency: 1,
      log,
    });
    stops.push(inboxPoller.stop);
    const trigger = buildTrigger(root);
    // As the deployed rule does: a failed fan-out is tried again over time, then dead-lettered.
    const undelivered = await sqsClient.send(
      new CreateQueueCommand({
        QueueName: options.undeliveredNoticesQueueName ?? "twelve-undelivered-notices",
      }),
    );
    const undeliveredUrl = undelivered.QueueUrl ?? "";
    const notices = startNoticeRetries<ReturnType<typeof toEventBridgeEnvelope>>({
      fanOut: notify,
      deadLetter: (envelope, reason) =>
        sendToDeadLetters(sqsClient, undeliveredUrl, JSON.stringify(envelope), reason),
      ...(options.noticeRetryDelaysMs ? { delaysMs: options.noticeRetryDelaysMs } : {}),
      log,
      name: (envelope) => envelope.id,
    });
    stops.push(notices.stop);
    route = (event) => {
      if (NOTICE_TYPES.has(event.detailType)) {
        // As the deployed rule does: the fan-out runs beside the step, never in its way.
        notices.deliver(toEventBridgeEnvelope(event, REGION));
      }
      if (event.detailType === THREAD_WAITING_DETAIL_TYPE) {
        const { threadId, tool, callId } = event.detail;
        log(`thread.waiting: ${String(threadId)} waits on ${String(tool)} (${String(callId)})`);
      }
      if (event.detailType === THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE) {
        const { threadId, tool, callId, expiresAt } = event.detail;
        log(
          `thread.waiting_for_callback: ${String(threadId)} waits on ${String(tool)} (${String(callId)}) until ${String(expiresAt)}`,
        );
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
    // stopped get their step enqueued again; afterwards the reconciler runs every 30 s (or
    // `reconcileEveryMs`), as the scheduled reconciler does in AWS every 5 minutes.
    const resumed = await reconcile(deps, { staleAfterMs: 0 });
    if (resumed.enqueued > 0) log(`resumed ${resumed.enqueued} running thread(s)`);
    // A call owed when its thread was cancelled, whose step message the stop lost: run and
    // recorded after `cancelled`, as a redelivered message would have it.
    const settling = await resumeCancelledCalls(deps);
    if (settling.enqueued > 0) log(`settling ${settling.enqueued} call(s) of cancelled thread(s)`);
    const reconcileAll = buildReconciler(root, { staleAfterMs: 60_000 });
    let reconciling: Promise<unknown> = Promise.resolve();
    let busy = false;
    const reconciler = setInterval(
      () => {
        // A run that outlasts the period is not joined by the next one: one sweep at a time.
        if (busy) return;
        busy = true;
        reconciling = reconcileAll()
          .then(({ expired, expiredCallbacks, restartedCallbacks, ...swept }) => {
            const { cancelledOrphans, deletedOrphans } = swept;
            if (expired > 0) log(`expired ${expired} approval(s)`);
            if (restartedCallbacks > 0) log(`started ${restartedCallbacks} owed callback(s)`);
            if (expiredCallbacks > 0) log(`expired ${expiredCallbacks} callback(s)`);
            const orphans = cancelledOrphans + deletedOrphans;
            if (orphans > 0) log(`swept ${orphans} orphaned child thread(s)`);
          })
          .catch((error: unknown) => log(`reconciler: ${String(error)}`))
          .finally(() => {
            busy = false;
          });
      },
      options.reconcileEveryMs ?? DEFAULT_RECONCILE_SECONDS * 1_000,
    ).unref();
    stops.push(async () => {
      clearInterval(reconciler);
      await reconciling;
    });

    return {
      url,
      deps,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      inboxUrl: inbox.queueUrl,
      inboxDlqUrl: inbox.dlqUrl,
      undeliveredNoticesUrl: undeliveredUrl,
      tableName,
      payloadBucket,
      sqsEndpoint,
      dynamoEndpoint,
      eventsEndpoint: bus.endpoint,
      publishedEvents: () => bus.entries,
      trigger,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Starts DynamoDB Local and fauxqs side by side; their stops go on `stops`. */
async function startEmulators(
  stops: (() => Promise<void>)[],
  dynamoPort: number,
  sqsPort: number,
  dataDir: string | null,
): Promise<[string, string]> {
  const [dynamo, sqs] = await Promise.allSettled([
    startDynamoDbLocal({ port: dynamoPort, ...(dataDir ? { dataDir } : {}) }),
    startSqsEmulator({ port: sqsPort }),
  ]);
  for (const started of [dynamo, sqs]) {
    if (started.status === "fulfilled") stops.push(started.value.stop);
  }
  if (dynamo.status === "rejected") throw dynamo.reason;
  if (sqs.status === "rejected") throw sqs.reason;
  return [dynamo.value.endpoint, sqs.value.endpoint];
}

/** Two of the stack's servers on one port: the second could never listen. */
function assertDistinctPorts(ports: readonly (readonly [string, number])[]): void {
  const fixed = ports.filter(([, port]) => port !== 0);
  for (const [at, [name, port]] of fixed.entries()) {
    const other = fixed.slice(at + 1).find(([, taken]) => taken === port);
    if (other) {
      throw new LocalStackError(
        `${name} and ${other[0]} are both ${port}: each of the stack's servers needs its own port`,
      );
    }
  }
}
