import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";

const secrets = z.record(
  z.string().regex(/^[a-z0-9-]{1,64}$/, "source names are lowercase a-z, 0-9 and -"),
  z.string().min(16, "a webhook secret needs at least 16 characters"),
);

/** JSON text holding the secrets: a problem is named per source (`WEBHOOK_SECRETS.github: ...`). */
const secretsJson = z
  .string()
  .transform((raw, context): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      context.addIssue({
        code: "custom",
        message: "must be a JSON object of source name to secret",
      });
      return z.NEVER;
    }
  })
  .pipe(secrets);

const fromEnvironment = z.object({ WEBHOOK_SECRETS: secretsJson.default({}) });
const fromSecret = z.object({ WEBHOOK_SECRETS_ARN: z.string().optional() });

/**
 * `WEBHOOK_SECRETS`: a JSON object of source name to shared secret, e.g.
 * `{"github": "…", "billing": "…"}`. Unset means no webhook sources.
 */
export function readWebhookSecrets(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return readEnv(fromEnvironment, env).WEBHOOK_SECRETS;
}

/**
 * The webhook secrets of a deployment: `WEBHOOK_SECRETS_ARN` names a Secrets Manager secret
 * holding the same JSON (read through Powertools, cached five minutes, so a rotation needs no
 * deploy); otherwise `WEBHOOK_SECRETS` from the environment.
 */
export function webhookSecretsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<Record<string, string>> {
  const arn = readEnv(fromSecret, env).WEBHOOK_SECRETS_ARN;
  if (!arn) {
    const secrets = readWebhookSecrets(env);
    return async () => secrets;
  }
  return async () => {
    const raw = await getSecret(arn, { maxAge: 300 });
    // The secret holds what WEBHOOK_SECRETS would: read it by the same rules.
    return readWebhookSecrets({ WEBHOOK_SECRETS: typeof raw === "string" ? raw : undefined });
  };
}
