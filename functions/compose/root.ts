import { EventBridgeNotifier } from "../../shared/aws/events/eventbridge-notifier.ts";
import type { PayloadStore } from "../../shared/aws/s3/payload-store.ts";
import { SqsStepQueue } from "../../shared/aws/sqs/step-queue.ts";
import type { Agent } from "../../shared/core/agent.ts";
import { DEFAULT_PRICES } from "../../shared/core/cost.ts";
import type { AgentsModule } from "../../shared/runtime/agents.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { randomIds } from "../../shared/runtime/ids.ts";
import { assertModels, type ModelChoices } from "../../shared/runtime/model-rule.ts";
import { createThreadStore } from "../thread-store.ts";
import { environmentModel } from "./environment-model.ts";
import { clientConfig } from "./settings/aws.ts";
import type { Settings } from "./settings.ts";

/** Ports a host brings instead of the ones the settings name (`twelve dev`'s payload copy on disk). */
export interface RootOverrides {
  /** Where the store keeps large event data (default: the S3 bucket of `store.payloadBucket`). */
  payloads?: PayloadStore;
}

/**
 * The composition root of one process: the settings, the agents module, and the ports built from
 * them, each on first use (the API never loads the model). Every host plugs its handlers from here: the Lambda entries, the construct's
 * generated entries and `twelve dev`.
 */
export interface Root {
  readonly settings: Settings;
  readonly agents: ReadonlyMap<string, Agent>;
  /** The models of the model rule beside each agent's own. */
  models(): ModelChoices;
  /** The use cases' ports: store, queue, notifier, models, clock, ids. */
  deps(): RuntimeDeps;
  /** Checks the model rule for every agent (`ConfigError` naming the first without a model). */
  assertModels(): void;
}

/**
 * Builds the composition root from typed settings and an agents module; nothing is built (no
 * client, no model) until a handler asks for it.
 *
 * @example
 * const root = assemble(readSettings(process.env), { agents, model });
 * export const handler = buildWorker(root);
 */
export function assemble(
  settings: Settings,
  mod: AgentsModule,
  overrides: RootOverrides = {},
): Root {
  const agents = agentMap(mod.agents);
  const once = <T>(build: () => T): (() => T) => {
    let built: { value: T } | undefined;
    return () => {
      built ??= { value: build() };
      return built.value;
    };
  };
  const models = once(
    (): ModelChoices => ({ module: mod.model, environment: environmentModel(settings.model) }),
  );
  const store = once(() =>
    createThreadStore(settings.store, {
      clientConfig: clientConfig(settings.aws, "dynamodb"),
      s3ClientConfig: clientConfig(settings.aws, "s3"),
      ...(overrides.payloads ? { payloads: overrides.payloads } : {}),
    }),
  );
  const deps = once((): RuntimeDeps => {
    const threads = store();
    const base = settings.bus.publicUrl.replace(/\/+$/, "");
    const { module, environment } = models();
    return {
      agents,
      store: threads,
      // Links to event data in the payload bucket, when there is one.
      ...(settings.store.payloadBucket === undefined ? {} : { dataLinks: threads }),
      // The regional endpoint (or the settings' own), never the host inside the queue URL.
      queue: new SqsStepQueue({
        queueUrl: settings.queue.url,
        clientConfig: { ...clientConfig(settings.aws, "sqs"), useQueueUrlAsEndpoint: false },
      }),
      notifier: new EventBridgeNotifier({
        busName: settings.bus.name,
        clientConfig: clientConfig(settings.aws, "eventbridge"),
      }),
      model: module,
      environmentModel: environment,
      clock: { now: () => new Date() },
      ids: randomIds,
      threadLink: (threadId) => `${base}/threads/${threadId}`,
      callbackUrl: (token) => `${base}/callbacks/${token}`,
      prices: { ...DEFAULT_PRICES, ...settings.model.prices },
    };
  });
  return {
    settings,
    agents,
    models,
    deps,
    assertModels: () => assertModels(agents.values(), models()),
  };
}
