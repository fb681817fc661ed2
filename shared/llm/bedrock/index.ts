export { baseModelId, type Capabilities, capabilitiesOf } from "./capabilities.ts";
export { refusesForcedChoice, toBedrockError } from "./errors.ts";
export { BedrockModel, type BedrockOptions, bedrock } from "./model.ts";
export { toBedrockReply, toBedrockUsage } from "./reply.ts";
export { converseInput, toToolSpec } from "./request.ts";
