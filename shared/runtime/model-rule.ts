import type { Agent } from "../core/agent.ts";
import { ConfigError } from "../core/errors.ts";
import type { Model } from "../core/ports.ts";

/** Where an agent's model comes from, first match wins. */
export const modelSources = ["agent", "module", "environment"] as const;
export type ModelSource = (typeof modelSources)[number];

/** The models a host offers beside the agent's own: the agents module's, the environment's. */
export interface ModelChoices {
  /** The agents module's `model` export (or `createRunner({ model })`). */
  module?: Model | undefined;
  /**
   * The model the settings name (Bedrock with `AGENT_MODEL=bedrock:<id>`, OpenAI with
   * `OPENAI_API_KEY` or `OPENAI_API_KEY_SECRET_ARN`).
   */
  environment?: Model | undefined;
}

/** What to set when no source names a model. */
export const NO_MODEL_HINT =
  "give it defineAgent({ model }), export `model` from the agents module (createRunner({ model }) in process), or set OPENAI_API_KEY (OPENAI_API_KEY_SECRET_ARN deployed) or AGENT_MODEL=bedrock:<model id>";

/**
 * THE model rule, the same in every host (createRunner, `twelve dev`, Lambda): the agent's own
 * model, else the agents module's `model` export, else the environment's, else a `ConfigError`
 * naming the agent and what to set.
 *
 * @example
 * pickModel(triage, { module: demo }); // { model: triage.model ?? demo, source: "agent" | "module" }
 */
export function pickModel(
  agent: Pick<Agent, "name" | "model">,
  choices: ModelChoices,
): { model: Model; source: ModelSource } {
  const offered = {
    agent: agent.model,
    module: choices.module,
    environment: choices.environment,
  } satisfies Record<ModelSource, Model | undefined>;
  for (const source of modelSources) {
    const model = offered[source];
    if (model) return { model, source };
  }
  throw new ConfigError(`no model for agent "${agent.name}": ${NO_MODEL_HINT}`);
}

/**
 * The start check of a host: every agent it serves has a model by the rule, so a missing one is
 * one line when the host starts, not a failed step later.
 */
export function assertModels(
  agents: Iterable<Pick<Agent, "name" | "model">>,
  choices: ModelChoices,
): void {
  for (const agent of agents) pickModel(agent, choices);
}
