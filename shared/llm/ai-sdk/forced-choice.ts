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
 * Whether the model takes a forced tool choice, from the table (before anything this process
 * learned: see `refusedForcedChoice`).
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

/**
 * The models that refused a forced choice in this process (a 400, or a provider that sent `auto`
 * itself and said so in a warning): asked with `auto` from then on, so the tool choice stays the
 * same from step to step and a prompt cache holds.
 */
const refused = new Set<string>();
const keyOf = ({ provider, modelId }: ModelName) => `${provider}\u0000${modelId}`;

/** Remembers, for the life of the process, that `model` refuses a forced tool choice. */
export const rememberRefusal = (model: ModelName): void => {
  refused.add(keyOf(model));
};

/** Whether `model` refused a forced tool choice earlier in this process. */
export const refusedForcedChoice = (model: ModelName): boolean => refused.has(keyOf(model));
