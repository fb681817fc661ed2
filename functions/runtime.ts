import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { OpenAI } from "openai";
import { EventBridgeNotifier } from "../shared/aws/events/eventbridge-notifier.ts";
import { SqsStepQueue } from "../shared/aws/sqs/step-queue.ts";
import type { Agent } from "../shared/core/agent.ts";
import { DEFAULT_PRICES } from "../shared/core/cost.ts";
import { ConfigError } from "../shared/core/errors.ts";
import type { Model } from "../shared/core/ports.ts";
import { OpenAIModel, openAIModelFromEnv, readOpenAIConfig } from "../shared/llm/index.ts";
import { agentMap } from "../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../shared/runtime/deps.ts";
import { randomIds } from "../shared/runtime/ids.ts";
import type { RuntimeConfig } from "./config.ts";
import { createThreadStore } from "./thread-store.ts";

/**
 * The runtime's adapters, built from configuration. Clients read their endpoints the SDK's own
 * way (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, ...), which is how the local stack
 * points the same code at DynamoDB Local and fauxqs.
 */
export function createRuntime(
  config: RuntimeConfig,
  served: { agents: readonly Agent[]; model?: Model | undefined },
  env: NodeJS.ProcessEnv = process.env,
): RuntimeDeps {
  const model = served.model ?? createModel(config, env);
  const base = config.PUBLIC_URL.replace(/\/+$/, "");
  const store = createThreadStore(config);
  return {
    agents: agentMap(served.agents),
    store,
    // Links to event data in the payload bucket, when there is one.
    ...(config.PAYLOAD_BUCKET === undefined ? {} : { dataLinks: store }),
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
    prices: { ...DEFAULT_PRICES, ...config.MODEL_PRICES },
  };
}

/**
 * The model the configuration names when the agents module brings none: OpenAI with the key in
 * Secrets Manager (the deployed worker), or OpenAI with `OPENAI_API_KEY`. Only the worker calls
 * the model, so the HTTP API, the trigger and the reconciler run with none configured; a step
 * without one fails loudly.
 */
function createModel(config: RuntimeConfig, env: NodeJS.ProcessEnv): Model {
  if (config.OPENAI_API_KEY_SECRET_ARN) {
    return openAIModelFromSecret(config.OPENAI_API_KEY_SECRET_ARN, env);
  }
  if (env.OPENAI_API_KEY) return openAIModelFromEnv(env);
  return {
    next: async () => {
      throw new ConfigError(
        "no model configured: set OPENAI_API_KEY or OPENAI_API_KEY_SECRET_ARN, or export `model` from the agents module",
      );
    },
  };
}

/** Seconds a fetched key is reused, so a `put-secret-value` reaches running workers this soon. */
const SECRET_MAX_AGE_SECONDS = 300;

/** OpenAI with its key read from Secrets Manager when a request needs it, cached by Powertools. */
function openAIModelFromSecret(secretArn: string, env: NodeJS.ProcessEnv): OpenAIModel {
  // The other model settings are checked now, so a bad one still fails at the first invocation.
  const settings = readOpenAIConfig({ ...env, OPENAI_API_KEY: "(read from Secrets Manager)" });
  const client = new OpenAI({
    apiKey: async () => {
      const key = await getSecret(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
      if (typeof key !== "string" || key.trim() === "") {
        throw new ConfigError(`secret ${secretArn} holds no OpenAI API key`);
      }
      return key.trim();
    },
    ...(settings.OPENAI_BASE_URL ? { baseURL: settings.OPENAI_BASE_URL } : {}),
    timeout: settings.MODEL_TIMEOUT_MS,
    maxRetries: settings.MODEL_MAX_RETRIES,
  });
  return new OpenAIModel({ model: settings.AGENT_MODEL, client });
}
