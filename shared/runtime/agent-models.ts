import type { Agent } from "../core/agent.ts";
import { type ModelChoices, type ModelSource, pickModel } from "./model-rule.ts";

/** Which model an agent runs on, and which step of the model rule chose it. */
export interface AgentModel {
  agent: string;
  /**
   * `openai`, `bedrock`, `ai-sdk:<provider>`…; for a model without identity its class name, or
   * `(no identity)`.
   */
  provider: string;
  /** The model id, when the model has an identity. */
  model: string | undefined;
  source: ModelSource;
}

/** How a start-up line names each step of the model rule. */
export const MODEL_SOURCE_LABELS = {
  agent: "its own model",
  module: "the agents module's model",
  environment: "AGENT_MODEL from the environment",
} as const satisfies Record<ModelSource, string>;

/**
 * Each agent's model by the model rule, as a host prints it when it starts (`twelve dev`,
 * `npm start`): provider and model from the model's identity, and where the rule found it.
 * Throws the rule's `ConfigError` for an agent without a model.
 *
 * @example
 * agentModels(agents, { module: model, environment }); // [{ agent: "calculator", provider: "bedrock", model: "eu.amazon.nova-pro-v1:0", source: "environment" }]
 */
export function agentModels(
  agents: Iterable<Pick<Agent, "name" | "model">>,
  choices: ModelChoices,
): AgentModel[] {
  return [...agents].map((agent) => {
    const { model, source } = pickModel(agent, choices);
    const identity = model.identity;
    return {
      agent: agent.name,
      provider: identity?.provider ?? classOf(model),
      model: identity?.model,
      source,
    };
  });
}

/**
 * The lines of `agentModels`, aligned: `calculator  bedrock eu.amazon.nova-pro-v1:0  (the
 * environment (AGENT_MODEL))`. `note` adds to a line (where an OpenAI server is, that a demo
 * model is no LLM).
 */
export function formatAgentModels(
  models: readonly AgentModel[],
  note: (model: AgentModel) => string = () => "",
): string[] {
  const width = Math.max(0, ...models.map((m) => m.agent.length));
  return models.map((m) => {
    const which = [m.provider, m.model].filter(Boolean).join(" ");
    const extra = note(m);
    return `${m.agent.padEnd(width)}  ${which}${extra ? ` ${extra}` : ""}  (${MODEL_SOURCE_LABELS[m.source]})`;
  });
}

/** A model's class name, for a model without identity (an object literal has none worth showing). */
function classOf(model: object): string {
  const name = (model.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : "(no identity)";
}
