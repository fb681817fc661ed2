export { type OpenAIConfig, openAIModelFromEnv, readOpenAIConfig } from "./config.ts";
export { toModelError } from "./errors.ts";
export { OpenAIModel, type OpenAIModelOptions, toFunctionTool } from "./openai-model.ts";
export { excerpt, toModelReply, toUsage } from "./reply.ts";
