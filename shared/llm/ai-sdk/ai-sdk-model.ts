import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  SharedV4ProviderOptions,
  SharedV4Warning,
} from "@ai-sdk/provider";
import { ConfigError } from "../../core/errors.ts";
import type { Model, ModelIdentity, ModelReply, ModelRequest } from "../../core/ports.ts";
import { isForcedChoiceRefusal, toModelError } from "./errors.ts";
import { isClaude, type ModelName, takesForcedChoice } from "./forced-choice.ts";
import { toModelReply } from "./reply.ts";
import { callOptions } from "./request.ts";

/** The AI SDK language model interface version this adapter speaks. */
export const SPECIFICATION_VERSION = "v4";

export interface AiSdkOptions {
  /**
   * Whether to force the tool choice (`toolChoice: "required"`). Default: from a table by model
   * id (the newest Claude models and Bedrock's non-Claude models refuse it). When not forced the
   * request says in words that exactly one tool call is expected. A model that refuses a forced
   * choice with a 400 is asked again with `auto`, and with `auto` from then on by this instance.
   */
  forceToolChoice?: boolean;
  /** Options for the provider (`{ anthropic: { ... } }`), sent with every call. */
  providerOptions?: SharedV4ProviderOptions;
  /** The most tokens one reply may take. Default: the provider's. */
  maxOutputTokens?: number;
  /**
   * Claude models: cache the tools and the system prompt (a cache point on the system message),
   * which stay the same from step to step. Default true; cached tokens are counted as such in
   * usage.
   */
  promptCache?: boolean;
  /** Abandons a call after this many milliseconds (a retryable `ModelError`). Default: none. */
  timeoutMs?: number;
}

/**
 * The `Model` port over any AI SDK language model (`LanguageModelV4` of `@ai-sdk/provider`:
 * `@ai-sdk/anthropic`, `@ai-sdk/google`, `@ai-sdk/amazon-bedrock`, ...). It calls the model's
 * `doGenerate` once per step (no `ai` runtime: its tool loop, retries and telemetry are Twelve's
 * own), with every tool and one tool call asked for: forced where the model takes it, else `auto`
 * plus the one-call instruction, and `disableParallelToolUse` for Claude models. The reply goes
 * through the one-call rule (`oneCallReply`); provider failures become `ModelError`s.
 *
 * @example
 * import { anthropic } from "@ai-sdk/anthropic";
 * const model = aiSdk(anthropic("claude-sonnet-5"));
 * const assistant = defineAgent({ name: "assistant", prompt, tools, model });
 */
export class AiSdkModel implements Model {
  readonly identity: ModelIdentity;
  readonly languageModel: LanguageModelV4;
  private readonly options: AiSdkOptions;
  /**
   * The model refused a forced choice (a 400, or a provider that sent `auto` itself and said so
   * in a warning): asked with `auto` from then on, so the tool choice stays the same from step to
   * step and a prompt cache holds. The instance's own memory, not the process's: a host keeps one
   * instance for its life (a Lambda's module scope), and a new instance learns afresh.
   */
  private refusedForcedChoice = false;

  constructor(languageModel: LanguageModelV4, options: AiSdkOptions = {}) {
    const version: unknown = (languageModel as { specificationVersion?: unknown })
      ?.specificationVersion;
    if (version !== SPECIFICATION_VERSION) {
      throw new ConfigError(
        `aiSdk takes an AI SDK language model of specification ${SPECIFICATION_VERSION}; this one is ${JSON.stringify(version)}: use a provider package built on @ai-sdk/provider 4`,
      );
    }
    this.languageModel = languageModel;
    this.options = options;
    this.identity = { provider: `ai-sdk:${languageModel.provider}`, model: languageModel.modelId };
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    const forced = this.forced();
    let result: LanguageModelV4GenerateResult;
    try {
      result = await this.generate(request, forced);
    } catch (cause) {
      if (!forced || !isForcedChoiceRefusal(cause)) throw toModelError(cause, this.identity);
      this.refusedForcedChoice = true;
      result = await this.generate(request, false).catch((again: unknown) => {
        throw toModelError(again, this.identity);
      });
    }
    // A provider that knows the model refuses a forced choice sends `auto` itself and warns.
    if (forced && result?.warnings?.some(isToolChoiceWarning)) this.refusedForcedChoice = true;
    return toModelReply(result, this.identity);
  }

  /**
   * Whether this call forces the tool choice: not once the model refused it to this instance, nor
   * with Anthropic's extended thinking on (which takes only `auto`).
   */
  forced(): boolean {
    if (this.refusedForcedChoice || thinks(this.options.providerOptions)) return false;
    return this.options.forceToolChoice ?? takesForcedChoice(this.name);
  }

  private get name(): ModelName {
    return { provider: this.languageModel.provider, modelId: this.languageModel.modelId };
  }

  private async generate(
    request: ModelRequest,
    forced: boolean,
  ): Promise<LanguageModelV4GenerateResult> {
    const { providerOptions, maxOutputTokens, timeoutMs, promptCache = true } = this.options;
    return await this.languageModel.doGenerate(
      callOptions(request, {
        forced,
        claude: isClaude(this.name),
        cache: promptCache,
        providerOptions,
        maxOutputTokens,
        abortSignal: timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined,
      }),
    );
  }
}

/**
 * Any AI SDK language model as a Twelve `Model`: `defineAgent({ model: aiSdk(anthropic("…")) })`.
 *
 * @example
 * import { createAnthropic } from "@ai-sdk/anthropic";
 * const model = aiSdk(createAnthropic({ apiKey })("claude-sonnet-5-5"));
 * createRunner({ agents, model });
 */
export const aiSdk = (languageModel: LanguageModelV4, options?: AiSdkOptions): AiSdkModel =>
  new AiSdkModel(languageModel, options);

/** Anthropic's extended thinking is on (`{ anthropic: { thinking: { type: "enabled" } } }`). */
function thinks(providerOptions: SharedV4ProviderOptions | undefined): boolean {
  const thinking = providerOptions?.anthropic?.thinking;
  return typeof thinking === "object" && thinking !== null && "type" in thinking
    ? thinking.type === "enabled"
    : false;
}

const isToolChoiceWarning = (warning: SharedV4Warning): boolean =>
  warning.type === "unsupported" && warning.feature === "toolChoice";
