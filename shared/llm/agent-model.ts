/** The providers `AGENT_MODEL` can name before a colon. */
export const agentModelProviders = ["openai", "bedrock"] as const;
export type AgentModelProvider = (typeof agentModelProviders)[number];

/**
 * What `AGENT_MODEL` names: `bedrock:<model id>` (a model id, inference profile id or ARN, whose
 * own colons are kept), `openai:<model>`, or a bare OpenAI (or compatible) model id, which may
 * hold colons of its own (`llama3:8b` on Ollama). No SDK import: the settings read it.
 *
 * @example
 * parseAgentModel("bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0");
 * // { provider: "bedrock", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }
 * parseAgentModel("llama3:8b"); // { provider: "openai", model: "llama3:8b" }
 */
export function parseAgentModel(value: string): { provider: AgentModelProvider; model: string } {
  const colon = value.indexOf(":");
  const prefix = value.slice(0, colon);
  const provider = agentModelProviders.find((name) => name === prefix);
  return provider
    ? { provider, model: value.slice(colon + 1).trim() }
    : { provider: "openai", model: value };
}
