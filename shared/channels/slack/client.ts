import type { RetryOptions, WebClient } from "@slack/web-api";
import { explained } from "../../../shared/config/peers.ts";
import type { SlackConfig } from "./config.ts";

const clients = new Map<string, WebClient>();

/**
 * The official Web API client for `config`'s token and `SLACK_API_URL` (one per pair, reused
 * across invocations). `retries`: how often a failed call is tried again (the routes answer
 * within Slack's 3 seconds, so they try once). `@slack/web-api` is an optional peer, loaded on
 * first use: a deployment without Slack neither installs nor loads it.
 */
export async function slackClient(
  config: Pick<SlackConfig, "botToken" | "apiUrl">,
  retryConfig: RetryOptions = { retries: 0 },
): Promise<WebClient> {
  const key = JSON.stringify([config.botToken, config.apiUrl, retryConfig]);
  let client = clients.get(key);
  if (!client) {
    const { LogLevel, WebClient } = await slackWebApi();
    client = new WebClient(config.botToken, {
      ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
      retryConfig,
      timeout: 2_500,
      logLevel: LogLevel.ERROR,
    });
    clients.set(key, client);
  }
  return client;
}

async function slackWebApi(): Promise<typeof import("@slack/web-api")> {
  try {
    return await import("@slack/web-api");
  } catch (error) {
    throw explained(error, "the Slack channel");
  }
}
