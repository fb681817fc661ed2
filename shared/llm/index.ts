export { type OpenAIConfig, openAIModelFromEnv, readOpenAIConfig } from "./config.ts";
export { hostOf, toModelError } from "./errors.ts";
export {
  excerpt,
  ONE_CALL_INSTRUCTION,
  oneCallReply,
  type ProviderAnswer,
  type ProviderCall,
} from "./one-call.ts";
export { OpenAIModel, type OpenAIModelOptions, toFunctionTool } from "./openai-model.ts";
export { toModelReply, toUsage } from "./reply.ts";
