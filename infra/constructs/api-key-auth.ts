import { RemovalPolicy } from "aws-cdk-lib";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { acknowledgeManualRotation } from "../nag.ts";
import type { MakeFunction } from "./function-factory.ts";

/**
 * The bearer keys' secret (`ApiKey`) and the Lambda authorizer (`Authorizer`) that checks them,
 * and alone reads it. The secret holds one generated key; put-secret-value a plain key, or JSON
 * `{"<name>": "<key>"}` for named keys (the name is the principal), where a key may be
 * `{"key", "agents"?, "can"?}` for a scope, which the authorizer passes on.
 *
 * @example
 * const { apiKey, authorizer } = apiKeyAuthorizer(this, make);
 */
export function apiKeyAuthorizer(
  scope: Construct,
  make: MakeFunction,
): { apiKey: Secret; authorizer: NodejsFunction } {
  const apiKey = new Secret(scope, "ApiKey", {
    description: "Bearer key of the Twelve HTTP API (Authorization: Bearer <key>)",
    generateSecretString: { passwordLength: 48, excludePunctuation: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const authorizer = make("Authorizer", "authorizer", {
    description: "Checks the HTTP API's bearer key against the ApiKey secret",
    environment: { API_KEY_SECRET_ARN: apiKey.secretArn },
  });
  apiKey.grantRead(authorizer);
  acknowledgeManualRotation(
    apiKey,
    "A bearer key handed to API clients: rotating it on a timer would lock them out. Rotate it " +
      "by hand (put-secret-value); the authorizer reads it again within 5 minutes.",
  );
  return { apiKey, authorizer };
}
