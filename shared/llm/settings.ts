import * as z from "zod";

/**
 * The OpenAI client's settings beside its key, one schema for every reader (`openAIModelFromEnv`
 * and the composition root's model section). No `openai` import here: a bundle that reads the
 * settings need not carry the SDK.
 */
export const openAISettingFields = {
  // `localhost:4499` parses as a URL of scheme `localhost:`: only http(s) reaches a server.
  OPENAI_BASE_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL, such as http://localhost:11434/v1",
    })
    .optional(),
  /** The OpenAI (or compatible) model id. */
  AGENT_MODEL: z.string().trim().min(1, "must not be blank").default("gpt-4o-mini"),
  MODEL_TIMEOUT_MS: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .positive()
    .default(60_000),
  MODEL_MAX_RETRIES: z.coerce
    .number({ error: "must be a non-negative integer" })
    .int()
    .nonnegative()
    .default(3),
};
