export { baseModelId, type Capabilities, capabilitiesOf } from "./capabilities.ts";
export { toBedrockError } from "./errors.ts";
export { BedrockModel, type BedrockOptions, bedrock } from "./model.ts";
