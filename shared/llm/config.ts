import { OpenAI } from "openai";
import * as z from "zod";
import { readEnv } from "../config/read-env.ts";
import { ConfigError } from "../core/errors.ts";
import { parseAgentModel } from "./agent-model.ts";
import { OpenAIModel } from "./openai-model.ts";
import { openAISettingFields } from "./settings.ts";

const schema = z.object({
  OPENAI_API_KEY: z.string({ error: "is required" }).trim().min(1, "is required"),
  ...openAISettingFields,
});

/** The model settings, as read from the environment. */
export type OpenAIConfig = z.output<typeof schema>;

/**
 * Reads and checks the model settings from `env` (`readEnv`: an empty variable is unset). Throws
 * `ConfigError` naming every missing or invalid variable.
 *
 * @example
 * const config = readOpenAIConfig({ OPENAI_API_KEY: "sk-...", MODEL_MAX_RETRIES: "5" });
 * config.AGENT_MODEL; // "gpt-4o-mini"
 */
export function readOpenAIConfig(env: NodeJS.ProcessEnv = process.env): OpenAIConfig {
  return readEnv(schema, env);
}

/**
 * The `OpenAIModel` the environment describes, read once: the client gets the key, the base URL
 * (when set), and the SDK's own `timeout` and `maxRetries`.
 *
 * @example
 * const model = openAIModelFromEnv(); // at cold start, outside the handler
 */
export function openAIModelFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAIModel {
  const config = readOpenAIConfig(env);
  const chosen = parseAgentModel(config.AGENT_MODEL);
  if (chosen.provider !== "openai" || chosen.model === "") {
    throw new ConfigError(
      `AGENT_MODEL=${config.AGENT_MODEL} names no OpenAI model: for Bedrock use bedrock() from twelve-agents/bedrock`,
    );
  }
  const client = new OpenAI({
    apiKey: config.OPENAI_API_KEY,
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    timeout: config.MODEL_TIMEOUT_MS,
    maxRetries: config.MODEL_MAX_RETRIES,
  });
  return new OpenAIModel({ model: chosen.model, client });
}
