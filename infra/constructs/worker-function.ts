import { RemovalPolicy } from "aws-cdk-lib";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { Tracing } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { acknowledgeManualRotation } from "../nag.ts";
import { grantBedrockModels } from "./bedrock-access.ts";
import type { BedrockRegions } from "./bedrock-profile-regions.ts";
import type { MakeFunction } from "./function-factory.ts";
import { grantThreadWrites, type ThreadStoreResources } from "./thread-store-access.ts";
import type { BedrockModelUse } from "./worker-models.ts";

export interface WorkerFunctionProps {
  store: ThreadStoreResources;
  /** The bus its notices go to. */
  bus: EventBus;
  /** Whether the environment's model is OpenAI and used: the key in the `OpenAiApiKey` secret. */
  openAiKey: boolean;
  /** The Bedrock models the agents call: the worker may invoke exactly these. */
  bedrock: readonly BedrockModelUse[];
  /** Per geography, the Regions an inference profile's model is granted in (`grantBedrockModels`). */
  bedrockRegions?: BedrockRegions;
  agentModel?: string;
  openAiBaseUrl?: string;
  metricsNamespace: string;
  /** The API's base URL, for the links in its notices. */
  publicUrl: string;
  /** Receives of a step message before its dead letter: on the last, a failing step fails its thread. */
  maxReceiveCount: number;
  /** At most this many concurrent steps from the queue (the worker's reserve): no throttled receives. */
  maxConcurrency?: number;
}

/**
 * The step worker (`Worker`): one reducer step per message of the FIFO step queue, traced with
 * X-Ray (each step a subsegment, the model calls and tool runs its children), its notices on the
 * agents' bus. With the OpenAI model, the `OpenAiApiKey` secret it alone reads; with Bedrock
 * models, `bedrock:InvokeModel` on exactly those (`grantBedrockModels`).
 *
 * @example
 * const { worker, openAiKey } = workerFunction(this, make, { store, bus, openAiKey: true, bedrock: [], metricsNamespace: "Twelve", publicUrl: api.url, maxReceiveCount: 5 });
 */
export function workerFunction(
  scope: Construct,
  make: MakeFunction,
  props: WorkerFunctionProps,
): { worker: NodejsFunction; openAiKey: Secret | undefined } {
  const openAiKey = !props.openAiKey
    ? undefined
    : new Secret(scope, "OpenAiApiKey", {
        description: "OpenAI API key of the Twelve worker: put-secret-value the real key",
        removalPolicy: RemovalPolicy.DESTROY,
      });
  const worker = make("Worker", "worker", {
    description: "Step worker: one reducer step per SQS FIFO message",
    tracing: Tracing.ACTIVE,
    environment: {
      ...props.store.environment,
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      // The worker is not behind the API, so linking to it makes no cycle.
      PUBLIC_URL: props.publicUrl,
      // On the last delivery the queue allows, a failing step marks its thread failed.
      STEP_MAX_RECEIVES: String(props.maxReceiveCount),
      // Without the key, the agents module's models are the only ones (docs/models-and-settings.md).
      ...(openAiKey ? { OPENAI_API_KEY_SECRET_ARN: openAiKey.secretArn } : {}),
      ...(props.agentModel ? { AGENT_MODEL: props.agentModel } : {}),
      ...(props.openAiBaseUrl ? { OPENAI_BASE_URL: props.openAiBaseUrl } : {}),
    },
  });
  grantThreadWrites(props.store, worker);
  props.bus.grantPutEventsTo(worker);
  grantBedrockModels(worker, props.bedrock, props.bedrockRegions);
  if (openAiKey) {
    openAiKey.grantRead(worker);
    acknowledgeManualRotation(
      openAiKey,
      "Holds a key OpenAI issues; Secrets Manager cannot mint one. Rotate it at OpenAI and " +
        "put-secret-value; workers read it again within 5 minutes.",
    );
  }
  worker.addEventSource(
    new SqsEventSource(props.store.steps.queue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
    }),
  );
  return { worker, openAiKey };
}
