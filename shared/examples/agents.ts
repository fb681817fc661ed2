import { calculator } from "./calculator/index.ts";
import { DemoModel } from "./demo-model.ts";
import { createDeploybot } from "./deploybot/index.ts";

/**
 * The reference app's agents module, the shape `twelve dev --agents` and `TwelveRuntime` load:
 * `agents` is what it serves; `model` is what drives the agents that name none.
 */
export const agents = [calculator, createDeploybot()];

/**
 * The rule-based demo model plays the examples' flows when the environment names no model. With
 * `OPENAI_API_KEY` (or the deployed `OPENAI_API_KEY_SECRET_ARN`) or `AGENT_MODEL=bedrock:<id>`
 * set, the module exports none, so the model rule (agent's own, else this export, else the
 * environment's) picks OpenAI or Bedrock.
 */
export const model: DemoModel | undefined =
  process.env.OPENAI_API_KEY ||
  process.env.OPENAI_API_KEY_SECRET_ARN ||
  process.env.AGENT_MODEL?.startsWith("bedrock:")
    ? undefined
    : new DemoModel();

export { calculator, createDeploybot, DemoModel };
