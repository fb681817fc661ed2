import { createAgentsRunner } from "./openai-agents.ts";

/** The minimal Agents SDK handler: resume the state it is given (or start) and run one step. */
export const handler = async (event: { state?: string }) => {
  const runner = createAgentsRunner();
  const state = event.state ?? (await runner.start("Keep adding 1, starting from 0."));
  return { state: await runner.step(state) };
};
