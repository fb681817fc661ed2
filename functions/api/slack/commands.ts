import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { SlackConfig } from "../../../shared/channels/slack/config.ts";
import { consoleLink } from "../../../shared/channels/slack/messages.ts";
import { TwelveError } from "../../../shared/core/errors.ts";
import type { RuntimeDeps } from "../../../shared/runtime/deps.ts";
import { launchThread } from "../../../shared/runtime/launch-thread.ts";
import { json } from "../http.ts";
import { checkSlackIds, tooLong } from "./ids.ts";

/** An answer only the person who typed the command sees. */
const ephemeral = (text: string): APIGatewayProxyStructuredResultV2 =>
  json(200, { response_type: "ephemeral", text });

/**
 * A slash command, verified (`/twelve calculator What is 8 / 2?`): launches the agent its first
 * word names, else `SLACK_AGENT`, recorded as `by: { principal: <user id>, via: "slack" }`, and
 * answers at once with a link to the thread. A repeat of the same invocation (its `trigger_id`)
 * launches nothing new. An id past `SLACK_ID_MAX` is a 400 naming it; a message past the API's
 * limit is refused in the ephemeral answer.
 */
export async function handleCommand(
  deps: RuntimeDeps,
  config: SlackConfig,
  form: URLSearchParams,
): Promise<APIGatewayProxyStructuredResultV2> {
  checkSlackIds({
    command: form.get("command"),
    team_id: form.get("team_id"),
    enterprise_id: form.get("enterprise_id"),
    channel_id: form.get("channel_id"),
    user_id: form.get("user_id"),
    trigger_id: form.get("trigger_id"),
    api_app_id: form.get("api_app_id"),
  });
  const command = form.get("command") ?? "/twelve";
  const user = form.get("user_id") ?? "";
  const trigger = form.get("trigger_id") ?? "";
  const [first = "", ...rest] = (form.get("text") ?? "").trim().split(/\s+/);
  const named = deps.agents.has(first);
  const agent = named ? first : config.agent;
  const message = (named ? rest.join(" ") : [first, ...rest].join(" ")).trim();
  if (!agent || message === "" || user === "" || trigger === "") {
    return ephemeral(
      `Say \`${command} <agent> <message>\`; agents: ${[...deps.agents.keys()].join(", ")}`,
    );
  }
  const refused = tooLong(message);
  if (refused) return ephemeral(`Not started: ${refused}.`);
  try {
    const launched = await launchThread(deps, {
      agent,
      message,
      by: { principal: user, via: "slack" },
      idempotencyKey: `slack-command:${trigger}`,
    });
    return ephemeral(
      `Started ${agent}: ${consoleLink(deps.threadLink(launched.threadId))} (${launched.status})`,
    );
  } catch (error) {
    if (!(error instanceof TwelveError) || error.retryable) throw error;
    return ephemeral(`Not started: ${error.message}`);
  }
}
