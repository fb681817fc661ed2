import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type SlackConfig, slackConfig } from "../../../shared/channels/slack/config.ts";
import { HttpError } from "../http.ts";
import { bodyText, header } from "../request.ts";
import type { RouteContext } from "../route.ts";
import { handleCommand } from "./commands.ts";
import { handleEvent } from "./events.ts";
import { handleInteraction } from "./interactions.ts";
import { verifySlackSignature } from "./signature.ts";

/** Slack's config and the request's raw body, once its signature holds (a 401 otherwise). */
async function verified(context: RouteContext): Promise<{ config: SlackConfig; body: string }> {
  const config = await slackConfig();
  if (!config)
    throw new HttpError("route_not_found", "Slack is not configured for this deployment");
  const body = bodyText(context.event, context.maxBodyBytes);
  verifySlackSignature({
    secret: config.signingSecret,
    timestamp: header(context.event, "x-slack-request-timestamp"),
    signature: header(context.event, "x-slack-signature"),
    body,
    now: context.deps.clock.now(),
  });
  return { config, body };
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError("invalid_json", `${what} is not valid JSON: ${(error as Error).message}`);
  }
};

/**
 * `POST /slack/interactions`: Slack's block actions and view submissions (the buttons and modals
 * of an approval or a question), as a form with a `payload` field. 404 while Slack is not
 * configured; 401 unless Slack signed it.
 */
export async function handleSlackInteractions(
  context: RouteContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { config, body } = await verified(context);
  const payload = new URLSearchParams(body).get("payload");
  if (payload === null) throw new HttpError("invalid_body", "body has no payload field");
  return handleInteraction(context.deps, config, parseJson(payload, "payload"));
}

/**
 * `POST /slack/commands`: a slash command (a form with `command`, `text`, `user_id`,
 * `trigger_id`) that launches an agent. 404 while Slack is not configured; 401 unless Slack
 * signed it.
 */
export async function handleSlackCommands(
  context: RouteContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { config, body } = await verified(context);
  return handleCommand(context.deps, config, new URLSearchParams(body));
}

/**
 * `POST /slack/events`: Slack's Events API (`url_verification`, replies in a message's thread,
 * mentions). 404 while Slack is not configured; 401 unless Slack signed it.
 */
export async function handleSlackEvents(
  context: RouteContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { config, body } = await verified(context);
  return handleEvent(
    context.deps,
    config,
    parseJson(body, "body"),
    header(context.event, "x-slack-retry-reason"),
  );
}
