import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from "aws-lambda";
import { ConfigError } from "../../shared/core/errors.ts";
import { secretsEqual } from "../secrets.ts";

/**
 * The deployed HTTP API's Lambda authorizer (simple responses): a request passes when it carries
 * `Authorization: Bearer <key>` with the key `readKey` returns (a Secrets Manager secret in AWS).
 * It answers the same question the API's own `AGENT_API_KEY` check answers on the local stack.
 *
 * @example
 * const authorize = createAuthorizer(async () => "a-key-of-at-least-16-chars");
 * await authorize(event); // { isAuthorized: true } for `Authorization: Bearer a-key-of-...`
 */
export function createAuthorizer(readKey: () => Promise<string>) {
  return async (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerResult> => {
    // Payload format 2.0 lowercases header names; the scheme is case-insensitive (RFC 9110 §11.1).
    const token = /^Bearer (.+)$/i.exec(event.headers?.authorization ?? "")?.[1];
    if (token === undefined) return { isAuthorized: false };
    const key = await readKey();
    if (key.length < 16) throw new ConfigError("the API key secret holds no usable key");
    return { isAuthorized: secretsEqual(token, key) };
  };
}
