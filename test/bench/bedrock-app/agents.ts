import { bedrock } from "twelve-agents/bedrock";
import { calculator, createDeploybot } from "../../../shared/examples/agents.ts";

/**
 * A Bedrock-only agents module: the example agents, all on one Bedrock model (the module's
 * `model`, the package's own `bedrock()` adapter, so the bench measures the real one). Its worker
 * bundle is what `TwelveRuntime({ model })` deploys: no OpenAI SDK, and with `runtimeAwsSdk` no
 * Bedrock client of its own (bench `twelve-bedrock`, test/infra/bundles.test.ts).
 */
export const agents = [calculator, createDeploybot()];
export const model = bedrock("eu.amazon.nova-pro-v1:0");
