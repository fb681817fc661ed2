import type { Agent } from "./agent.ts";
import type { ModelRequest } from "./ports.ts";
import { renderContext, renderEvents, renderValue, truncate } from "./render.ts";
import { runContextOf } from "./run-context.ts";
import { renderSystemPrompt } from "./system-prompt.ts";
import type { Thread } from "./thread.ts";

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
