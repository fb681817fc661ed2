import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { HttpError } from "../../api/http.ts";
import type { RouteContext } from "../../api/routes.ts";

/**
 * `POST /slack/interactions`: Slack's block actions and view submissions (the buttons and modals
 * of an approval or a question). Not built yet: answers 404 until Slack is configured.
 */
export async function handleSlackInteractions(
  _context: RouteContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  throw new HttpError("route_not_found", "Slack is not configured for this deployment");
}

/**
 * `POST /slack/events`: Slack's Events API (replies in a message's thread, mentions,
 * `url_verification`). Not built yet: answers 404 until Slack is configured.
 */
export async function handleSlackEvents(
  _context: RouteContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  throw new HttpError("route_not_found", "Slack is not configured for this deployment");
}
