import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DynamoReplayGuard } from "../../shared/aws/dynamo/index.ts";
import { agentReferences, assertKnownAgents } from "../agent-references.ts";
import { createApiHandler } from "../api/app.ts";
import { readWebhookSources, webhookSourcesFromEnv } from "../api/webhook-config.ts";
import { apiKeysOf } from "../config.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import { logger } from "../logger.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/**
 * The HTTP API's Lambda handler (API Gateway HTTP API, payload format 2.0). With `console` (the
 * assets `buildConsole` made at synthesis), it serves the web console at `/console` too.
 */
export function apiHandler(
  options: HandlersOptions | LazyRuntime,
  extra: { console?: ConsoleAssets } = {},
) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  let api: ReturnType<typeof createApiHandler> | undefined;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (!api) {
      const { config, deps } = runtime();
      // What the environment names is checked at this first read; a secret's, when it is read.
      assertKnownAgents(
        deps.agents.keys(),
        agentReferences({
          ...(process.env.WEBHOOK_SECRETS_ARN ? {} : { webhookSources: readWebhookSources() }),
          ...(process.env.SLACK_AGENT ? { slack: { agent: process.env.SLACK_AGENT } } : {}),
        }),
      );
      // Deployed, the gateway's authorizer checks the key and the environment names none.
      const apiKeys = apiKeysOf(config);
      api = createApiHandler(deps, {
        ...(apiKeys ? { apiKeys } : {}),
        maxBodyBytes: config.MAX_BODY_BYTES,
        logger,
        webhooks: {
          sources: webhookSourcesFromEnv(),
          replayGuard: new DynamoReplayGuard({ tableName: config.TABLE_NAME }),
        },
        ...(extra.console ? { console: extra.console } : {}),
      });
    }
    return api(event);
  };
}
