import type { Agent } from "../core/agent.ts";
import { calculator } from "./calculator/index.ts";
import { createDeploybot } from "./deploybot/index.ts";

/** The agents this deployment serves, by name. */
export const agents: ReadonlyMap<string, Agent> = new Map(
  [calculator, createDeploybot()].map((agent) => [agent.name, agent]),
);

export { calculator, createDeploybot };
