import { authorizerSections, buildAuthorizer } from "../compose/authorizer.ts";
import { lazySettings } from "../compose/settings.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The HTTP API authorizer's Lambda handler; the keys live in the secret `API_KEY_SECRET_ARN`
 * (a JSON object of key name to key, or one plain key).
 */
export function authorizerHandler(): ReturnType<typeof buildAuthorizer> {
  return lazyHandler(() => buildAuthorizer(lazySettings(process.env, authorizerSections)));
}
