import { EventBridgeNotifier } from "../shared/aws/events/eventbridge-notifier.ts";
import { SqsStepQueue } from "../shared/aws/sqs/step-queue.ts";
import type { Agent } from "../shared/core/agent.ts";
import { DEFAULT_PRICES } from "../shared/core/cost.ts";
import { ConfigError } from "../shared/core/errors.ts";
import type { Model, ModelReply, ModelRequest } from "../shared/core/ports.ts";
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
  const secretArn = config.OPENAI_API_KEY_SECRET_ARN;
  if (secretArn || env.OPENAI_API_KEY) {
    return new LazyModel(async () => {
      const openai = await import("./openai-secret-model.ts");
      return secretArn
        ? openai.openAIModelFromSecret(secretArn, env)
        : openai.openAIModelFromEnv(env);
    });
  }
  return {
    next: async () => {
      throw new ConfigError(
        "no model configured: set OPENAI_API_KEY or OPENAI_API_KEY_SECRET_ARN, or export `model` from the agents module",
      );
    },
  };
}

/**
 * A model built on its first call: the OpenAI adapter (and its SDK) loads only when a step calls
 * it, so the functions that never do (and a worker whose agents bring their own model) never
 * evaluate it, and their bundles may leave it out (`callsOpenAi` of `HandlerFunction`).
 */
export class LazyModel implements Model {
  readonly #load: () => Promise<Model>;
  #model: Promise<Model> | undefined;

  constructor(load: () => Promise<Model>) {
    this.#load = load;
  }

  /** The model, built (once) now. */
  resolve(): Promise<Model> {
    this.#model ??= this.#load();
    return this.#model;
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    return (await this.resolve()).next(request);
  }
}
