import { z } from "zod";
import { ConfigError } from "../../shared/core/errors.ts";

const secrets = z.record(
  z.string().regex(/^[a-z0-9-]{1,64}$/, "source names are lowercase a-z, 0-9 and -"),
  z.string().min(16, "a webhook secret needs at least 16 characters"),
);

/**
 * `WEBHOOK_SECRETS`: a JSON object of source name to shared secret, e.g.
 * `{"github": "…", "billing": "…"}` (in AWS the CDK app fills it from Secrets Manager). Unset means
 * no webhook sources.
 */
export function readWebhookSecrets(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env.WEBHOOK_SECRETS;
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
