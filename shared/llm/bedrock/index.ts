export { baseModelId, type Capabilities, capabilitiesOf } from "./capabilities.ts";
export { toBedrockError } from "./errors.ts";
export { type BedrockOptions, BedrockModel, bedrock } from "./model.ts";
