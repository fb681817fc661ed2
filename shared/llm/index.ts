export { type OpenAIConfig, openAIModelFromEnv, readOpenAIConfig } from "./config.ts";
export { hostOf, toModelError } from "./errors.ts";
export { OpenAIModel, type OpenAIModelOptions, toFunctionTool } from "./openai-model.ts";
export { excerpt, toModelReply, toUsage } from "./reply.ts";
