import type { Agent } from "../core/agent.ts";
import { TwelveError } from "../core/errors.ts";
import { deriveStatus, type Thread } from "../core/thread.ts";
import { compactToolError } from "../core/tool-error.ts";
import { withSourceTools } from "../core/tool-source.ts";

/** The agent a step is given: its sources' tools listed, or why they could not be. */
export interface AgentForStep {
  agent: Agent;
  toolsUnavailable?: string;
  /** Whether a later step may list them (false: a refused credential, an unusable tool). */
  toolsRetryable?: boolean;
}

/**
 * Lists the tools of the agent's sources (MCP servers) for a step of `thread`, when the step can
 * use them: only a running thread's step calls a tool or the model. A source that does not
 * answer, or a name two of them share, never fails the invocation: the step records why (a
 * compact error event) and the thread goes on under the three-strikes rule, or asks a person at
 * once when a later step cannot do better (`toolsRetryable: false`: a refused credential, a clash).
 *
 * @example
 * const { agent: resolved, toolsUnavailable } = await agentForStep(agent, thread);
 * await step(thread, { agent: resolved, model, clock, toolsUnavailable });
 */
export async function agentForStep(agent: Agent, thread: Thread): Promise<AgentForStep> {
  if (deriveStatus(thread.events) !== "running") return { agent };
  return withListedTools(agent);
}

/**
 * The agent with its sources' tools listed (what `GET /threads/{id}/context` shows the model
 * would see), or the agent as it is and why they could not be.
 *
 * @example
 * const { agent: shown } = await withListedTools(agent);
 */
export async function withListedTools(agent: Agent): Promise<AgentForStep> {
  if (agent.mcp.length === 0) return { agent };
  try {
    const listed = await Promise.all(
      agent.mcp.map(async (source) => ({ source: source.name, tools: await source.tools() })),
    );
    return { agent: withSourceTools(agent, listed) };
  } catch (cause) {
    // Our own errors are written for the model; anything else is compacted (no hosts).
    const reason =
      cause instanceof TwelveError ? cause.message.slice(0, 500) : compactToolError(cause).model;
    const retryable = !(cause instanceof TwelveError && cause.retryable === false);
    return { agent, toolsUnavailable: reason, ...(retryable ? {} : { toolsRetryable: false }) };
  }
}
