import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { BedrockModel } from "../../shared/llm/bedrock/model.ts";
import type { BedrockSettings } from "./settings/model.ts";

/**
 * Bedrock as `AGENT_MODEL=bedrock:<id>` names it: the SDK's default chain gives the region, the
 * credentials (the function's role) and the endpoint (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`); the
 * settings give the timeout and the retries. Loaded by `environmentModel` with a dynamic
 * `import()`, so a host on OpenAI (or on its own model) never evaluates the Bedrock SDK.
 */
export function bedrockModel(settings: BedrockSettings): BedrockModel {
  const client = new BedrockRuntimeClient({
    maxAttempts: settings.maxRetries + 1,
    requestHandler: { requestTimeout: settings.timeoutMs },
  });
  return new BedrockModel(settings.modelId, { client });
}
