import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { OpenAI } from "openai";
import { ConfigError } from "../shared/core/errors.ts";
import { OpenAIModel, readOpenAIConfig } from "../shared/llm/index.ts";

export { openAIModelFromEnv } from "../shared/llm/index.ts";

/** Seconds a fetched key is reused, so a `put-secret-value` reaches running workers this soon. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * OpenAI with its key read from Secrets Manager when a request needs it, cached by Powertools.
 * `functions/runtime.ts` imports this module only when a model call needs OpenAI, so a bundle
 * whose functions never call it may leave the `openai` package out.
 */
export function openAIModelFromSecret(secretArn: string, env: NodeJS.ProcessEnv): OpenAIModel {
  // The other model settings are checked now, so a bad one still fails at the first model call.
  const settings = readOpenAIConfig({ ...env, OPENAI_API_KEY: "(read from Secrets Manager)" });
  const client = new OpenAI({
    apiKey: async () => {
      const key = await getSecret(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
      if (typeof key !== "string" || key.trim() === "") {
        throw new ConfigError(`secret ${secretArn} holds no OpenAI API key`);
      }
      return key.trim();
    },
    ...(settings.OPENAI_BASE_URL ? { baseURL: settings.OPENAI_BASE_URL } : {}),
    timeout: settings.MODEL_TIMEOUT_MS,
    maxRetries: settings.MODEL_MAX_RETRIES,
  });
  return new OpenAIModel({ model: settings.AGENT_MODEL, client });
}
