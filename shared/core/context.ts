import { type Agent, renderSystemPrompt } from "./agent.ts";
import type { ModelRequest } from "./ports.ts";
import { renderContext, renderEvents, renderValue, truncate } from "./render.ts";
import { runContextOf } from "./run-context.ts";
import type { Thread } from "./thread.ts";
import type { TokenCounter } from "./tokens.ts";
import type { ToolSpec } from "./tool.ts";

/** What an agent's own `context` function is handed: the default renderer and its parts. */
export interface ContextHelpers {
  /** The default request: the system prompt and the thread as tagged blocks, compactions applied. */
  render(thread: Thread): ModelRequest;
  /** The thread's events as tagged blocks, the compaction in force applied. */
  renderEvents: typeof renderEvents;
  /** A value as compact `key: value` lines. */
  renderValue: typeof renderValue;
  /** Text cut to a number of characters, with a marker. */
  truncate: typeof truncate;
  /** The agent's system prompt, rendered. */
  systemPrompt: string;
  /** The agent's tools as the model sees them. */
  tools: ToolSpec[];
  /** The agent's token counter (the one `contextBudget` is counted with). */
  countTokens: TokenCounter;
}

/**
 * The request for the thread's next model call: the agent's own `context` function if it has
 * one (factor 3, owned entirely), else the default renderer.
 *
 * @example
 * const agent = defineAgent({
 *   ...options,
 *   context: (thread, { render }) => {
 *     const request = render(thread);
 *     return { ...request, messages: [...request.messages, { role: "user", content: "Be brief." }] };
 *   },
 * });
 * contextOf(agent, thread); // what the model sees next
 */
export function contextOf(agent: Agent, thread: Thread): ModelRequest {
  if (!agent.context) return renderContext(agent, thread);
  return agent.context(thread, {
    render: (of) => renderContext(agent, of),
    renderEvents,
    renderValue,
    truncate,
    systemPrompt: renderSystemPrompt(agent, runContextOf(agent, thread)),
    tools: agent.tools.map((tool) => tool.spec),
    countTokens: agent.countTokens,
  });
}
