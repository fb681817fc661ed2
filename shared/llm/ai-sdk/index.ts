/**
 * `twelve-agents/ai-sdk`: any AI SDK language model (`LanguageModelV4`) as a Twelve `Model`.
 * Its optional peer is `@ai-sdk/provider` (its error classes), which every provider package
 * installs.
 *
 * @example
 * import { anthropic } from "@ai-sdk/anthropic";
 * import { aiSdk } from "twelve-agents/ai-sdk";
 * const model = aiSdk(anthropic("claude-sonnet-5"));
 */
export { AiSdkModel, type AiSdkOptions, aiSdk, SPECIFICATION_VERSION } from "./ai-sdk-model.ts";
export { takesForcedChoice } from "./forced-choice.ts";
