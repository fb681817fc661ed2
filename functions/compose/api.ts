import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoReplayGuard } from "../../shared/aws/dynamo/replay-guard.ts";
import type { WebhookTarget } from "../../shared/channels/webhook-channel.ts";
import { agentReferences, assertKnownAgents } from "../agent-references.ts";
import { createApiHandler } from "../api/app.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import { logger } from "../logger.ts";
import type { Root } from "./root.ts";
import { runtimeSections } from "./sections.ts";
import { readApiSettings } from "./settings/api.ts";
import { clientConfig } from "./settings/aws.ts";
import { readChannelSettings } from "./settings/channels.ts";

/** What the HTTP API reads: the runtime's sections, its own, and the channels' (webhooks, Slack). */
export const apiSections = {
  ...runtimeSections,
  api: readApiSettings,
  channels: readChannelSettings,
};

/**
 * The HTTP API (API Gateway v2 events) of a root; with `console`, it serves the web console too.
 * The agents the settings name (webhook launches, Slack's agent, notice filters) must be served:
 * a `ConfigError` by name otherwise.
 *
 * @example
 * const api = buildApi(root, { console: buildConsole() });
 */
export function buildApi(
  root: Root,
  options: { console?: ConsoleAssets; notifyWebhooks?: readonly WebhookTarget[] } = {},
): ReturnType<typeof createApiHandler> {
  const { api, channels } = root.settings;
  assertKnownAgents(
    root.agents.keys(),
    agentReferences({
      ...(channels.inlineWebhookSources ? { webhookSources: channels.inlineWebhookSources } : {}),
      ...(options.notifyWebhooks ? { notifyWebhooks: options.notifyWebhooks } : {}),
      ...(channels.slackAgent ? { slack: { agent: channels.slackAgent } } : {}),
      email: channels.email,
    }),
  );
  return createApiHandler(root.deps(), {
    ...(api.apiKeys ? { apiKeys: api.apiKeys } : {}),
    maxBodyBytes: api.maxBodyBytes,
    logger,
    webhooks: {
      sources: channels.webhookSources,
      // The webhook routes' replay guard lives in the thread table.
      replayGuard: new DynamoReplayGuard({
        tableName: root.settings.store.tableName,
        client: DynamoDBDocumentClient.from(
          new DynamoDBClient(clientConfig(root.settings.aws, "dynamodb")),
        ),
      }),
    },
    ...(options.console ? { console: options.console } : {}),
  });
}
