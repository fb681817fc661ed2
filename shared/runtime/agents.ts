import type { Agent } from "../core/agent.ts";
import { childAgentOf } from "../core/agent-tool.ts";
import { ConfigError } from "../core/errors.ts";
import type { Model } from "../core/ports.ts";

/**
 * The agents a deployment serves, by name. An agents module exports them as an array; two with
 * one name would make every launch ambiguous, so that fails at start, by name.
 */
export function agentMap(agents: readonly Agent[]): ReadonlyMap<string, Agent> {
  if (!Array.isArray(agents) || agents.length === 0) {
    throw new ConfigError("no agents: the agents module must export `agents`, a non-empty array");
  }
  const byName = new Map<string, Agent>();
  for (const agent of agents) {
    if (typeof agent?.name !== "string" || !Array.isArray(agent.tools)) {
      throw new ConfigError("`agents` holds something that is not an agent: use defineAgent()");
    }
    if (byName.has(agent.name)) throw new ConfigError(`two agents are named "${agent.name}"`);
    byName.set(agent.name, agent);
  }
  // The agents called as tools (`agentTool`) are served too: their child threads step here.
  const children = [...byName.values()];
  for (let agent = children.pop(); agent; agent = children.pop()) {
    for (const tool of agent.tools) {
      if (tool.kind !== "agent") continue;
      const child = childAgentOf(tool);
      const served = byName.get(child.name);
      if (served === child) continue;
      if (served) {
        throw new ConfigError(
          `agent "${agent.name}" calls an agent named "${tool.agent.name}" (tool "${tool.name}") ` +
            "that is not the agent of that name the module exports",
        );
      }
      byName.set(child.name, child);
      children.push(child);
    }
  }
  return byName;
}

/**
 * What an agents module exports: the agents it serves and, optionally, the model that drives the
 * agents that name none (a rule-based demo, a scripted model, or another provider). The model
 * rule (`pickModel`): an agent's own model, else this `model`, else the environment's (OpenAI).
 */
export interface AgentsModule {
  agents: readonly Agent[];
  model?: Model;
}

/** Checks a loaded module's exports, naming what is wrong and where it came from. */
export function checkAgentsModule(exports: unknown, source: string): AgentsModule {
  const mod = (exports ?? {}) as Partial<AgentsModule>;
  if (!Array.isArray(mod.agents)) {
    throw new ConfigError(`${source} exports no \`agents\` array (export const agents = [...])`);
  }
  agentMap(mod.agents);
  if (mod.model !== undefined && typeof mod.model?.next !== "function") {
    throw new ConfigError(`${source} exports a \`model\` without a next(request) method`);
  }
  return mod.model ? { agents: mod.agents, model: mod.model } : { agents: mod.agents };
}
