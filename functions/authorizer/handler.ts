import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from "aws-lambda";
import { ConfigError } from "../../shared/core/errors.ts";
import { createAuthorizer } from "./app.ts";

/** Seconds a fetched key is reused: a rotated key is honoured this soon, without a redeploy. */
const KEY_MAX_AGE_SECONDS = 300;

let authorize: ReturnType<typeof createAuthorizer> | undefined;

/** Lambda entry point of the HTTP API's authorizer; the key lives in `API_KEY_SECRET_ARN`. */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerResult> => {
  if (!authorize) {
    const secretArn = process.env.API_KEY_SECRET_ARN;
    if (!secretArn) throw new ConfigError("API_KEY_SECRET_ARN is required");
    authorize = createAuthorizer(async () => {
      const key = await getSecret(secretArn, { maxAge: KEY_MAX_AGE_SECONDS });
      return typeof key === "string" ? key.trim() : "";
    });
  }
  return authorize(event);
};
