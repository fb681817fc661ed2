import type { Tool } from "./tool.ts";

/** What a prompt function is handed: the agent's tools and the thread's run context. */
export interface PromptContext<C = Record<string, unknown>> {
  tools: readonly Tool[];
  /** The thread's run context (see `AgentOptions.runContext`); `{}` where there is no thread. */
  runContext: C;
}

/** A system prompt computed from the tools and the run context (factor 2: still plain code). */
export type PromptFunction<C = Record<string, unknown>> = {
  prompt(context: PromptContext<C>): string;
}["prompt"];

/** An agent's system prompt: a plain string, or a pure function of its tools and run context. */
// biome-ignore lint/suspicious/noExplicitAny: any agent's prompt function, whatever its context type
export type SystemPrompt = string | PromptFunction<any>;

/**
 * The agent's system prompt, rendered for a thread's run context (`runContextOf`; `{}` where
 * there is no thread).
 *
 * @example
 * renderSystemPrompt({ prompt: ({ tools }) => `tools: ${tools.map((t) => t.name)}`, tools });
 */
export const renderSystemPrompt = (
  agent: { prompt: SystemPrompt; tools: readonly Tool[] },
  runContext: Record<string, unknown> = {},
): string =>
  typeof agent.prompt === "string"
    ? agent.prompt
    : agent.prompt({ tools: agent.tools, runContext });
