import { agents } from "../shared/agents/index.ts";
import { DynamoThreadStore } from "../shared/aws/dynamo/index.ts";
import { EventBridgeNotifier } from "../shared/aws/events/eventbridge-notifier.ts";
import { SqsStepQueue } from "../shared/aws/sqs/step-queue.ts";
import type { Model } from "../shared/core/ports.ts";
import { openAIModelFromEnv } from "../shared/llm/index.ts";
import type { RuntimeDeps } from "../shared/runtime/deps.ts";
import { randomIds } from "../shared/runtime/ids.ts";
import { DemoModel } from "../shared/testing/demo-model.ts";
import { type RuntimeConfig, readConfig } from "./config.ts";

/**
 * The runtime's adapters, built from configuration. Clients read their endpoints the SDK's own
 * way (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, ...), which is how the local stack
 * points the same code at DynamoDB Local and fauxqs.
 */
export function createRuntime(
  config: RuntimeConfig,
  env: NodeJS.ProcessEnv = process.env,
): RuntimeDeps {
  const model: Model = config.DEMO_MODEL ? new DemoModel() : openAIModelFromEnv(env);
  const base = config.PUBLIC_URL.replace(/\/+$/, "");
  return {
    agents,
    store: new DynamoThreadStore({
      tableName: config.TABLE_NAME,
      retentionDays: config.THREAD_RETENTION_DAYS,
    }),
    // The regional endpoint (or AWS_ENDPOINT_URL_SQS), never the host inside the queue URL.
    queue: new SqsStepQueue({
      queueUrl: config.STEP_QUEUE_URL,
      clientConfig: { useQueueUrlAsEndpoint: false },
    }),
    notifier: new EventBridgeNotifier({ busName: config.EVENT_BUS_NAME }),
    model,
    clock: { now: () => new Date() },
    ids: randomIds,
    threadLink: (threadId) => `${base}/threads/${threadId}`,
  };
}

let cached: { config: RuntimeConfig; deps: RuntimeDeps } | undefined;

/** Built once per Lambda container, on first use (so a bad config fails the invocation loudly). */
export function runtime(): { config: RuntimeConfig; deps: RuntimeDeps } {
  if (!cached) {
    const config = readConfig();
    cached = { config, deps: createRuntime(config) };
  }
  return cached;
}
