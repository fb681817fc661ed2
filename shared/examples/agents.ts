import { calculator } from "./calculator/index.ts";
import { DemoModel } from "./demo-model.ts";
import { createDeploybot } from "./deploybot/index.ts";

/**
 * The reference app's agents module, the shape `twelve dev --agents` and `TwelveRuntime` load:
 * `agents` is what it serves; `model` is what drives them when no OpenAI key is configured.
 */
export const agents = [calculator, createDeploybot()];

/** Without an OpenAI key, the rule-based demo model plays the examples' flows. */
export const model = new DemoModel();

export { calculator, createDeploybot, DemoModel };
