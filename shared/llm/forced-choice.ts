/**
 * The Claude models that refuse a forced tool choice, one table for every adapter: Bedrock
 * answers 400 to `toolChoice.any` from them, and the AI SDK's Anthropic catalog marks them
 * `forcedToolUse: false` (vercel/ai#21364). Each adapter adds its own provider's rules on top
 * (Bedrock's models other than Claude, the AI SDK's `amazon-bedrock` provider).
 */
export const CLAUDE_REFUSING_FORCED_CHOICE = [
  "claude-opus-5-5",
  "claude-sonnet-5-5",
  "claude-fable-5-1",
  "claude-fable-5-2",
] as const;

/** Any of the table's names, anywhere in an id, not followed by another digit (`-5-50` is not `-5-5`). */
const REFUSING = new RegExp(`(?:${CLAUDE_REFUSING_FORCED_CHOICE.join("|")})(?!\\d)`);

/**
 * Whether `modelId` names a Claude model that refuses a forced tool choice, however the provider
 * spells it: a bare id, a dated one, a Bedrock model id, inference profile or ARN, a Vertex id.
 *
 * @example
 * claudeRefusesForcedChoice("us.anthropic.claude-sonnet-5-5-v1:0"); // true
 * claudeRefusesForcedChoice("claude-sonnet-5"); // false
 */
export const claudeRefusesForcedChoice = (modelId: string): boolean => REFUSING.test(modelId);
