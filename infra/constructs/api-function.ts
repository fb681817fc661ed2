import { RemovalPolicy, SecretValue } from "aws-cdk-lib";
import type { ICertificate } from "aws-cdk-lib/aws-certificatemanager";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { acknowledgeIndexAccess, acknowledgeManualRotation } from "../nag.ts";
import type { MakeFunction } from "./function-factory.ts";
import { type JwtAuth, ThreadsApi } from "./http-api.ts";
import type { ThreadStoreResources } from "./thread-store-access.ts";

export interface ApiFunctionProps {
  store: ThreadStoreResources;
  /** The bearer-key authorizer function, or the JWT issuer the gateway checks itself. */
  authorizer: IFunction | { jwt: JwtAuth };
  /** Of the access logs. */
  removalPolicy: RemovalPolicy;
  /** A custom domain for the API (see `ThreadsApiProps.domain`). */
  domain?: { name: string; certificate: ICertificate };
  /** Route `POST /mcp` (see `ThreadsApiProps.mcpEndpoint`). */
  mcpEndpoint: boolean;
}

/**
 * The HTTP API (`Api`) and its function (`ApiHandler`), which never calls the model and publishes
 * nothing: it writes and enqueues, reads threads (and presigns their data's links) and deletes
 * them. With the `WebhookSecrets` secret of `POST /hooks/{source}`, which it alone reads.
 *
 * @example
 * const { handler, api, webhookSecrets } = apiFunction(this, make, { store, authorizer, removalPolicy });
 */
export function apiFunction(
  scope: Construct,
  make: MakeFunction,
  props: ApiFunctionProps,
): { handler: NodejsFunction; api: ThreadsApi; webhookSecrets: Secret } {
  const { store } = props;
  // Per-source secrets of the signed webhooks, as JSON: {"<source>": "<secret>"}.
  const webhookSecrets = new Secret(scope, "WebhookSecrets", {
    description: 'Secrets of POST /hooks/{source} as JSON {"<source>": "<secret>"}',
    secretStringValue: SecretValue.unsafePlainText("{}"),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeManualRotation(
    webhookSecrets,
    "Shared with the external senders of webhooks: it changes when they change it, by hand " +
      "(put-secret-value); the API reads it again within 5 minutes.",
  );
  const handler = make("ApiHandler", "api", {
    description: "HTTP API: launch, read, list and answer threads",
    environment: { ...store.environment, WEBHOOK_SECRETS_ARN: webhookSecrets.secretArn },
  });
  webhookSecrets.grantRead(handler);
  store.table.grantReadWriteData(handler);
  acknowledgeIndexAccess(handler, store.table);
  store.payloads.grantReadWrite(handler);
  store.payloads.grantDelete(handler);
  store.steps.queue.grantSendMessages(handler);
  const api = new ThreadsApi(scope, "Api", {
    handler,
    authorizer: props.authorizer,
    removalPolicy: props.removalPolicy,
    ...(props.domain ? { domain: props.domain } : {}),
    mcpEndpoint: props.mcpEndpoint,
  });
  return { handler, api, webhookSecrets };
}
