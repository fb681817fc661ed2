import type { Tool } from "./tool.ts";

/** An agent's system prompt: a plain string, or a pure function of the agent's tools (factor 2). */
export type SystemPrompt = string | ((context: { tools: readonly Tool[] }) => string);

/**
 * The agent's system prompt, rendered.
 *
 * @example
 * renderSystemPrompt({ prompt: ({ tools }) => `tools: ${tools.map((t) => t.name)}`, tools });
 */
export const renderSystemPrompt = (agent: {
  prompt: SystemPrompt;
  tools: readonly Tool[];
}): string =>
  typeof agent.prompt === "string" ? agent.prompt : agent.prompt({ tools: agent.tools });
