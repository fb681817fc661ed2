import { claudeRefusesForcedChoice } from "../forced-choice.ts";

/** A language model as the forced-choice table reads it: its provider and its id there. */
export interface ModelName {
  provider: string;
  modelId: string;
}

/** One row of the table: models it matches, and whether they take a forced tool choice. */
interface ForcedChoiceRule {
  why: string;
  matches(model: ModelName): boolean;
  forced: boolean;
}

/** First match wins; a model no rule matches takes a forced choice (`toolChoice: "required"`). */
const rules: readonly ForcedChoiceRule[] = [
  {
    why: "the newest Claude models refuse a forced tool choice",
    matches: ({ modelId }) => claudeRefusesForcedChoice(modelId),
    forced: false,
  },
  {
    why: "Bedrock takes a forced tool choice (toolChoice.any) from Claude models only",
    matches: ({ provider, modelId }) =>
      provider.startsWith("amazon-bedrock") && !modelId.includes("claude"),
    forced: false,
  },
];

/**
 * Whether the model takes a forced tool choice, from the table (before anything the adapter
 * learned from the model's answers: see `AiSdkModel.forced`).
 *
 * @example
 * takesForcedChoice({ provider: "anthropic.messages", modelId: "claude-sonnet-5" }); // true
 * takesForcedChoice({ provider: "anthropic.messages", modelId: "claude-sonnet-5-5" }); // false
 */
export const takesForcedChoice = (model: ModelName): boolean =>
  rules.find((rule) => rule.matches(model))?.forced ?? true;

/** Whether the model is a Claude model (then `disable_parallel_tool_use` is sent). */
export const isClaude = ({ provider, modelId }: ModelName): boolean =>
  provider.startsWith("anthropic") || modelId.includes("claude");
