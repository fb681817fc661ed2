import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { slackClient } from "../../../shared/channels/slack/client.ts";
import type { SlackConfig } from "../../../shared/channels/slack/config.ts";
import { SLACK_EVENT_TYPE } from "../../../shared/channels/slack/messages.ts";
import { ApprovalPendingError, TwelveError } from "../../../shared/core/errors.ts";
import type { Actor } from "../../../shared/core/events.ts";
import type { RuntimeDeps } from "../../../shared/runtime/deps.ts";
import { launchThread } from "../../../shared/runtime/launch-thread.ts";
import { messageThread } from "../../../shared/runtime/message-thread.ts";
import { json } from "../http.ts";
import { checkSlackIds, tooLong } from "./ids.ts";

/** The `metadata.event_type` of the reply that says a mention started a thread. */
export const SLACK_STARTED_TYPE = "twelve_thread_started";

const inner = z.looseObject({
  type: z.string(),
  user: z.string().optional(),
  text: z.string().optional(),
  channel: z.string().optional(),
  ts: z.string().optional(),
  thread_ts: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
});
const envelope = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("url_verification"), challenge: z.string() }),
  z.looseObject({ type: z.literal("event_callback"), event_id: z.string(), event: inner }),
]);

/** A field of a loose object that is only checked, read as text when it is text. */
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const ok = (): APIGatewayProxyStructuredResultV2 => ({ statusCode: 200, body: "" });
const viaSlack = (id: string): Actor => ({ principal: id, via: "slack" });
/** `<@U123>` mentions at the start of a message (the bot's own, and any other). */
const MENTIONS = /^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+\s*/;

/**
 * One Events API request, verified: `url_verification` answers its challenge; a reply in the
 * thread of a message this app posted becomes a message to the Twelve thread (the answer, if
 * that thread waits on a question); a mention launches an agent (the mention's first word if it
 * names one, else `SLACK_AGENT`). Bots' messages and edits are ignored; an id past
 * `SLACK_ID_MAX` is a 400 naming it; a message past the API's limit is refused in the Slack
 * thread. `retry`: Slack's `X-Slack-Retry-Reason`, when this is a redelivery.
 */
export async function handleEvent(
  deps: RuntimeDeps,
  config: SlackConfig,
  raw: unknown,
  retry: string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) return ok();
  if (parsed.data.type === "url_verification")
    return json(200, { challenge: parsed.data.challenge });
  const { event, event_id } = parsed.data;
  const { user, channel, ts } = event;
  checkSlackIds({
    event_id,
    team_id: str(parsed.data.team_id),
    api_app_id: str(parsed.data.api_app_id),
    user,
    channel,
    ts,
    thread_ts: event.thread_ts,
    team: str(event.team),
  });
  if (event.bot_id || event.subtype || !user || !channel || !ts) return ok();
  const client = await slackClient(config);
  const text = (event.text ?? "").replace(MENTIONS, "").trim();
  const say = (message: string) =>
    client.chat.postMessage({ channel, thread_ts: event.thread_ts ?? ts, text: message });
  try {
    if (event.type === "message" && event.thread_ts && event.thread_ts !== ts) {
      // A redelivery after our answer timed out most likely went through the first time.
      if (retry === "http_timeout" || text === "") return ok();
      const threadId = await threadOf(client, channel, event.thread_ts);
      if (!threadId) return ok();
      const refused = tooLong(text);
      if (refused) {
        await say(`Not passed on: ${refused}.`);
        return ok();
      }
      await messageThread(deps, threadId, { message: text, by: viaSlack(user) });
      return ok();
    }
    if (event.type === "app_mention" && !event.thread_ts) {
      const [first = "", ...rest] = text.split(/\s+/);
      const named = deps.agents.has(first);
      const agent = named ? first : config.agent;
      const message = named ? rest.join(" ") : text;
      if (!agent || message === "") {
        await say(`Say \`<agent> <message>\`; agents: ${[...deps.agents.keys()].join(", ")}`);
        return ok();
      }
      const refused = tooLong(message);
      if (refused) {
        await say(`Not started: ${refused}.`);
        return ok();
      }
      const launched = await launchThread(deps, {
        agent,
        message,
        by: viaSlack(user),
        idempotencyKey: `slack:${event_id}`,
      });
      if (launched.created) {
        await client.chat.postMessage({
          channel,
          thread_ts: ts,
          text: `Started ${agent}: thread ${launched.threadId}. Reply here to message it.`,
          metadata: {
            event_type: SLACK_STARTED_TYPE,
            event_payload: { threadId: launched.threadId },
          },
        });
      }
    }
  } catch (error) {
    // Ours to say, not Slack's to retry: a thread that waits on an approval, or is closed.
    if (!(error instanceof TwelveError) || error.retryable) throw error;
    await say(
      error instanceof ApprovalPendingError
        ? "Not passed on: the thread waits for a decision first (Approve or Reject above)."
        : `Not passed on: ${error.message}`,
    );
  }
  return ok();
}

/** The Twelve thread a Slack thread is about: the metadata of a message this app posted in it. */
async function threadOf(
  client: Awaited<ReturnType<typeof slackClient>>,
  channel: string,
  threadTs: string,
): Promise<string | undefined> {
  const replies = await client.conversations.replies({
    channel,
    ts: threadTs,
    include_all_metadata: true,
    limit: 20,
  });
  for (const message of replies.messages ?? []) {
    const { event_type, event_payload } = message.metadata ?? {};
    const threadId = (event_payload as { threadId?: unknown } | undefined)?.threadId;
    if (
      (event_type === SLACK_EVENT_TYPE || event_type === SLACK_STARTED_TYPE) &&
      typeof threadId === "string"
    ) {
      return threadId;
    }
  }
  return undefined;
}
