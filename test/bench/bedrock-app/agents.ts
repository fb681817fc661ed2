import { calculator, createDeploybot } from "../../../shared/examples/agents.ts";
import { converseModel } from "./converse-model.ts";

/**
 * A Bedrock-only agents module: the example agents, all on one Bedrock model (the module's
 * `model`). Its worker bundle is what `TwelveRuntime({ model })` deploys: no OpenAI SDK, and with
 * `runtimeAwsSdk` no Bedrock client of its own (bench `twelve-bedrock`, test/infra/bundles.test.ts).
 */
export const agents = [calculator, createDeploybot()];
export const model = converseModel("eu.amazon.nova-pro-v1:0");
