import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { OpenAI } from "openai";
import { ConfigError } from "../../shared/core/errors.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import type { OpenAISettings } from "./settings/model.ts";

/** Seconds a fetched key is reused, so a `put-secret-value` reaches running workers this soon. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * OpenAI as the settings name it: the key given, or read from Secrets Manager when a request
 * needs it (cached by Powertools). Loaded by `environmentModel` with a dynamic `import()`, so a
 * module that brings its own model never evaluates the OpenAI SDK.
 */
export function openAIModel(settings: OpenAISettings): OpenAIModel {
  const { key } = settings;
  const client = new OpenAI({
    apiKey:
      "value" in key
        ? key.value
        : async () => {
            const value = await getSecret(key.secretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
            if (typeof value !== "string" || value.trim() === "") {
              throw new ConfigError(`secret ${key.secretArn} holds no OpenAI API key`);
            }
            return value.trim();
          },
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
  });
  return new OpenAIModel({ model: settings.model, client });
}
