import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseResponse,
  type InferenceConfiguration,
} from "@aws-sdk/client-bedrock-runtime";
import { ConfigError, ModelError } from "../../core/errors.ts";
import type { Model, ModelIdentity, ModelReply, ModelRequest } from "../../core/ports.ts";
import { capabilitiesOf, regionOfArn } from "./capabilities.ts";
import { refusesForcedChoice, toBedrockError } from "./errors.ts";
import { toBedrockReply } from "./reply.ts";
import { converseInput, type RequestShape } from "./request.ts";

export interface BedrockOptions {
  /** A ready client (tests, shared instances). Built from `clientConfig` when omitted. */
  client?: BedrockRuntimeClient;
  /** Options for the client built when `client` is omitted (region, credentials, endpoint, ...). */
  clientConfig?: BedrockRuntimeClientConfig;
  /**
   * Whether to force a tool call (`toolChoice.any`). Default: from the table by model id (Claude
   * models but the newest take it; other models get `auto` and the one-call instruction).
   */
  forceToolChoice?: boolean;
  /** Cache points after the system prompt and the tools, where the model supports them. Default true. */
  promptCaching?: boolean;
  /** Converse's `inferenceConfig` (`maxTokens`, `temperature`, ...), sent as given. */
  inferenceConfig?: InferenceConfiguration;
}

/**
 * The `Model` port on Amazon Bedrock's Converse API. `modelId` is a model id, an inference
 * profile id (`us.`, `eu.`, `apac.`, `global.`) or an ARN. Each tool is a `toolSpec`; the model
 * must make exactly one call: forced (`toolChoice.any`) where it takes it, else `auto` plus the
 * one-call instruction, with text, several calls or a malformed call read as `invalid`. A 400 to
 * the forced choice sends the same request again once with `auto`, and this instance keeps `auto`
 * from then on. Failures are `ModelError`s naming the model; no SDK error escapes.
 *
 * @example
 * const model = new BedrockModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0", {
 *   clientConfig: { region: "us-east-1" },
 * });
 */
export class BedrockModel implements Model {
  /** The model id as given, also read by the step observer to name its spans. */
  readonly model: string;
  readonly identity: ModelIdentity;
  /** The region, when known from the options or the ARN (else the SDK's chain decides). */
  readonly region: string | undefined;
  private readonly client: BedrockRuntimeClient;
  private readonly options: BedrockOptions;
  /**
   * The model answered 400 to a forced tool choice: it gets `auto` from then on, so the tool
   * choice stays the same from step to step (and caching holds). The instance's own memory, not
   * the process's: a host keeps one instance for its life (a Lambda's module scope), and a new
   * instance learns afresh.
   */
  private refusedForcedChoice = false;

  constructor(modelId: string, options: BedrockOptions = {}) {
    if (typeof modelId !== "string" || modelId.trim() === "") {
      throw new ConfigError("bedrock() needs a model id, inference profile id or ARN");
    }
    this.model = modelId;
    this.identity = { provider: "bedrock", model: modelId };
    const configured = options.clientConfig?.region;
    this.region = typeof configured === "string" ? configured : regionOfArn(modelId);
    this.client = options.client ?? new BedrockRuntimeClient(options.clientConfig ?? {});
    this.options = options;
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    const shape = this.shape();
    try {
      return toBedrockReply(await this.send(converseInput(this.model, request, shape)), this.model);
    } catch (error) {
      if (!shape.forced || !refusesForcedChoice(error)) throw await this.modelError(error);
      this.refusedForcedChoice = true;
    }
    // The model refused the forced choice: the same request once more, with `auto`.
    const auto = converseInput(this.model, request, { ...shape, forced: false });
    try {
      return toBedrockReply(await this.send(auto), this.model);
    } catch (error) {
      throw await this.modelError(error);
    }
  }

  /** How this model's requests are sent now: the table, the options, what this instance learned. */
  shape(): RequestShape {
    const table = capabilitiesOf(this.model);
    const caching = this.options.promptCaching ?? true;
    return {
      forced: !this.refusedForcedChoice && (this.options.forceToolChoice ?? table.forcedToolChoice),
      cacheSystem: caching && table.cacheSystem,
      cacheTools: caching && table.cacheTools,
      inferenceConfig: this.options.inferenceConfig,
    };
  }

  private async send(input: ConverseCommandInput): Promise<ConverseResponse> {
    return this.client.send(new ConverseCommand(input));
  }

  private async modelError(error: unknown): Promise<ModelError> {
    if (error instanceof ModelError) return error;
    return toBedrockError(error, { modelId: this.model, region: await this.clientRegion() });
  }

  /** The client's region for a message, if the SDK can tell it. */
  private async clientRegion(): Promise<string | undefined> {
    try {
      return this.region ?? (await this.client.config.region());
    } catch {
      return undefined;
    }
  }
}

/**
 * A Bedrock model for `defineAgent({ model })` or an agents module's `model` export.
 *
 * @example
 * import { bedrock } from "twelve-agents/bedrock";
 * export const model = bedrock("us.anthropic.claude-haiku-4-5-20251001-v1:0");
 */
export function bedrock(modelId: string, options?: BedrockOptions): BedrockModel {
  return new BedrockModel(modelId, options);
}
