import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { ConfigError } from "../../shared/core/errors.ts";
import { createAuthorizer } from "../authorizer/app.ts";
import { readApiSettings } from "./settings/api.ts";
import type { Settings } from "./settings.ts";

/** Seconds a fetched secret is reused: a rotated key is honoured this soon, without a redeploy. */
const KEY_MAX_AGE_SECONDS = 300;

/** What the authorizer reads: the API's settings (the secret of keys). */
export const authorizerSections = { api: readApiSettings };

/**
 * The HTTP API's authorizer: the keys live in the secret `API_KEY_SECRET_ARN` (a JSON object of
 * key name to key, or one plain key).
 */
export function buildAuthorizer(
  settings: Pick<Settings, "api">,
): ReturnType<typeof createAuthorizer> {
  const secretArn = settings.api.keySecretArn;
  if (!secretArn) throw new ConfigError("invalid configuration: API_KEY_SECRET_ARN: is required");
  return createAuthorizer(async () => {
    const secret = await getSecret(secretArn, { maxAge: KEY_MAX_AGE_SECONDS });
    return typeof secret === "string" ? secret : "";
  });
}
