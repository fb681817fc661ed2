import * as z from "zod";
import type { Agent } from "./agent.ts";
import { ConfigError } from "./errors.ts";
import { renderValue } from "./render.ts";
import { defineTool, type Tool, type ToolInput } from "./tool.ts";

/**
 * The input of an agent tool that declares none: the task, in words. Built on first use, not at
 * import: a bundle may evaluate this module before zod's own (esbuild's lazy module init).
 */
const messageInput = () =>
  z.object({
    message: z.string().describe("The task for the agent, with everything it needs to know"),
  });
type MessageInput = ReturnType<typeof messageInput>;

export interface AgentToolOptions<S extends ToolInput> {
  /** The tool's name as the model sees it. Default: the child agent's name. */
  name?: string;
  /** What the tool does, for the model. Default: a line naming the child agent. */
  description?: string;
  /**
   * The call's input, as a zod object; its arguments are rendered as `key: value` lines into the
   * child's first message. Default `{ message: string }`, which is the first message as it is.
   */
  input?: S;
}

/**
 * Makes an agent a tool of another (factor 10: small agents working together). When the model
 * calls it, the call is recorded and a child thread of `child` is launched with the call's input
 * as its first message; the calling thread waits (`waiting_for_agent`, no compute) until the child
 * ends, then reads the child's output (or why it failed or was cancelled) as the call's result.
 * The child is a thread like any other: its approvals and questions are answered on it, and they
 * show at the root of the tree.
 *
 * @example
 * const researcher = defineAgent({ name: "researcher", prompt: "...", tools: [search, doneForNow] });
 * const lead = defineAgent({
 *   name: "lead",
 *   prompt: "Delegate research, then answer.",
 *   tools: [agentTool(researcher, { description: "Research a question" }), doneForNow],
 * });
 */
export function agentTool<S extends ToolInput = MessageInput>(
  child: Agent,
  options: AgentToolOptions<S> = {},
): Tool<S> {
  if (typeof child?.name !== "string" || !Array.isArray(child.tools)) {
    throw new ConfigError("agentTool needs an agent made by defineAgent()");
  }
  const custom = options.input !== undefined;
  const input = (options.input ?? messageInput()) as S;
  return defineTool<S>({
    name: options.name ?? child.name,
    description:
      options.description ??
      `Hand a task to the ${child.name} agent; its final answer comes back as the result`,
    input,
    kind: "agent",
    agent: child,
    message: (args) => (custom ? renderValue(args) : String((args as { message: string }).message)),
  }) as Tool<S>;
}

/** The agent an agent tool launches: always an `Agent`, since only `agentTool` makes such tools. */
export const childAgentOf = (tool: Extract<Tool, { kind: "agent" }>): Agent => tool.agent as Agent;
