import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DynamoReplayGuard } from "../../shared/aws/dynamo/index.ts";
import { logger } from "../logger.ts";
import { runtime } from "../runtime.ts";
import { createApiHandler } from "./app.ts";
import { webhookSecretsFromEnv } from "./webhook-config.ts";

let api: ReturnType<typeof createApiHandler> | undefined;

/** Lambda entry point of the HTTP API (API Gateway HTTP API, payload format 2.0). */
export const handler = async (
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!api) {
    const { config, deps } = runtime();
    api = createApiHandler(deps, {
      ...(config.AGENT_API_KEY ? { apiKey: config.AGENT_API_KEY } : {}),
      maxBodyBytes: config.MAX_BODY_BYTES,
      logger,
      webhooks: {
        secrets: webhookSecretsFromEnv(),
        replayGuard: new DynamoReplayGuard({ tableName: config.TABLE_NAME }),
      },
    });
  }
  return api(event);
};
