import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { ConfigError } from "../../shared/core/errors.ts";

const secrets = z.record(
  z.string().regex(/^[a-z0-9-]{1,64}$/, "source names are lowercase a-z, 0-9 and -"),
  z.string().min(16, "a webhook secret needs at least 16 characters"),
);

/**
 * `WEBHOOK_SECRETS`: a JSON object of source name to shared secret, e.g.
 * `{"github": "…", "billing": "…"}`. Unset means no webhook sources.
 */
export function readWebhookSecrets(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return parseWebhookSecrets(env.WEBHOOK_SECRETS);
}

/**
 * The webhook secrets of a deployment: `WEBHOOK_SECRETS_ARN` names a Secrets Manager secret
 * holding the same JSON (read through Powertools, cached five minutes, so a rotation needs no
 * deploy); otherwise `WEBHOOK_SECRETS` from the environment.
 */
export function webhookSecretsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<Record<string, string>> {
  const arn = env.WEBHOOK_SECRETS_ARN;
  if (!arn) {
    const secrets = readWebhookSecrets(env);
    return async () => secrets;
  }
  return async () =>
    parseWebhookSecrets((await getSecret(arn, { maxAge: 300 })) as string | undefined);
}

function parseWebhookSecrets(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError("WEBHOOK_SECRETS must be a JSON object of source name to secret", {
      cause,
    });
  }
  const result = secrets.safeParse(value);
  if (!result.success) {
    throw new ConfigError(
      `WEBHOOK_SECRETS: ${result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  return result.data;
}
