import * as z from "zod";
import { jsonSetting, type RawSettings, readEnv } from "../../../shared/config/read-env.ts";
import type { PriceTable } from "../../../shared/core/cost.ts";
import { parseAgentModel } from "../../../shared/llm/agent-model.ts";
import { openAISettingFields } from "../../../shared/llm/settings.ts";

const schema = z.object({
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  /**
   * A Secrets Manager secret whose value is the OpenAI API key: how the deployed worker gets the
   * key without putting it in its environment.
   */
  OPENAI_API_KEY_SECRET_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:\S+$/, "must be a Secrets Manager secret ARN")
    .optional(),
  ...openAISettingFields,
  AGENT_MODEL: openAISettingFields.AGENT_MODEL.refine(
    (value) => parseAgentModel(value).model !== "",
    "must name a model after its provider, such as bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0",
  ),
  /**
   * Model prices for the cost estimate, JSON `{"<model>": {"inputPerMillion": 0.15,
   * "outputPerMillion": 0.6, "cacheReadPerMillion"?: 0.075, "cacheWritePerMillion"?: 0.1875}}`
   * in USD per million tokens, merged over the built-in table.
   */
  MODEL_PRICES: jsonSetting(
    z.record(
      z.string().min(1),
      z.strictObject({
        inputPerMillion: z.number().nonnegative(),
        outputPerMillion: z.number().nonnegative(),
        cacheReadPerMillion: z.number().nonnegative().optional(),
        cacheWritePerMillion: z.number().nonnegative().optional(),
      }),
    ),
    'must be JSON {"<model>": {"inputPerMillion": <usd>, "outputPerMillion": <usd>, "cacheReadPerMillion"?: <usd>, "cacheWritePerMillion"?: <usd>}}',
  ).optional(),
});

/** OpenAI (or a compatible server) as the environment names it, the key given or kept in a secret. */
export interface OpenAISettings {
  key: { value: string } | { secretArn: string };
  baseUrl?: string | undefined;
  /** `AGENT_MODEL` (without an `openai:` prefix). Default `gpt-4o-mini`. */
  model: string;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * Amazon Bedrock as `AGENT_MODEL=bedrock:<model id>` names it: region and credentials from the
 * SDK's default chain (the function's role deployed), the endpoint from
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` when set.
 */
export interface BedrockSettings {
  /** A model id, an inference profile id (`us.`, `eu.`, `global.`, ...) or an ARN. */
  modelId: string;
  timeoutMs: number;
  maxRetries: number;
}

/** The environment's model (the last choice of the model rule) and the prices of the cost estimate. */
export interface ModelSettings {
  /**
   * Set when `OPENAI_API_KEY` or `OPENAI_API_KEY_SECRET_ARN` is, and `AGENT_MODEL` is a bare or
   * `openai:` model id.
   */
  openai?: OpenAISettings | undefined;
  /** Set when `AGENT_MODEL` is `bedrock:<model id>` (no key needed: IAM). */
  bedrock?: BedrockSettings | undefined;
  /** Prices merged over the built-in table. */
  prices?: PriceTable | undefined;
}

/**
 * `OPENAI_API_KEY` or `OPENAI_API_KEY_SECRET_ARN` (the secret wins), `OPENAI_BASE_URL`,
 * `AGENT_MODEL` (`bedrock:<id>`, `openai:<id>` or a bare OpenAI id), `MODEL_TIMEOUT_MS`,
 * `MODEL_MAX_RETRIES`, `MODEL_PRICES`.
 */
export function readModelSettings(env: RawSettings): ModelSettings {
  const read = readEnv(schema, env);
  const chosen = parseAgentModel(read.AGENT_MODEL);
  if (chosen.provider === "bedrock") {
    return {
      bedrock: {
        modelId: chosen.model,
        timeoutMs: read.MODEL_TIMEOUT_MS,
        maxRetries: read.MODEL_MAX_RETRIES,
      },
      prices: read.MODEL_PRICES,
    };
  }
  const key = read.OPENAI_API_KEY_SECRET_ARN
    ? { secretArn: read.OPENAI_API_KEY_SECRET_ARN }
    : read.OPENAI_API_KEY
      ? { value: read.OPENAI_API_KEY }
      : undefined;
  return {
    openai: key && {
      key,
      baseUrl: read.OPENAI_BASE_URL,
      model: chosen.model,
      timeoutMs: read.MODEL_TIMEOUT_MS,
      maxRetries: read.MODEL_MAX_RETRIES,
    },
    prices: read.MODEL_PRICES,
  };
}
