import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { type AuthorizerResult, createAuthorizer } from "../authorizer/app.ts";

/** Seconds a fetched secret is reused: a rotated key is honoured this soon, without a redeploy. */
const KEY_MAX_AGE_SECONDS = 300;

const authorizerSettings = z.object({ API_KEY_SECRET_ARN: z.string() });

/**
 * The HTTP API authorizer's Lambda handler; the keys live in the secret `API_KEY_SECRET_ARN`
 * (a JSON object of key name to key, or one plain key).
 */
export function authorizerHandler() {
  let authorize: ReturnType<typeof createAuthorizer> | undefined;
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    if (!authorize) {
      const { API_KEY_SECRET_ARN: secretArn } = readEnv(authorizerSettings, process.env);
      authorize = createAuthorizer(async () => {
        const secret = await getSecret(secretArn, { maxAge: KEY_MAX_AGE_SECONDS });
        return typeof secret === "string" ? secret : "";
      });
    }
    return authorize(event);
  };
}
