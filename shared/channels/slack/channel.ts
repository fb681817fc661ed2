import type { Channel } from "../channel.ts";
import { slackClient } from "./client.ts";
import { channelFor, type SlackConfig, slackConfig } from "./config.ts";
import { endedMessage, SLACK_ENDED_TYPE, SLACK_EVENT_TYPE, waitingMessage } from "./messages.ts";

/** How many of the channel's latest messages are looked through for an earlier post. */
const RECENT = 50;

/**
 * Posts each pause (a `thread.waiting` notice) to Slack: a Block Kit message with the thread,
 * the tool, its arguments, the console's link, and Approve / Reject or Reply buttons; and each
 * end (`thread.done`, `thread.failed`): the output or the reason, with the console's link. An agent's
 * channel is `SLACK_CHANNELS[agent]`, else `SLACK_CHANNEL`; an agent with neither is not told.
 * Slack has no idempotency key: before posting, the channel's latest messages are searched for
 * one carrying the notice's id in its metadata, so a redelivered notice is posted once (best
 * effort: a redelivery racing the first post, or one past the latest 50 messages, posts again).
 *
 * @example
 * const channels = [slackChannel({ botToken: "xoxb-…", channel: "C0123", channels: {} })];
 */
export function slackChannel(
  config: Pick<SlackConfig, "botToken" | "apiUrl" | "channel" | "channels">,
): Channel {
  const connect = () => slackClient(config, { retries: 2, minTimeout: 500, maxTimeout: 2_000 });
  return {
    name: "slack",
    wants: (notice) => channelFor(config, notice.data.agent) !== undefined,
    async deliver(notice) {
      const channel = channelFor(config, notice.data.agent);
      if (channel === undefined) return;
      const client = await connect();
      const recent = await client.conversations.history({
        channel,
        limit: RECENT,
        include_all_metadata: true,
      });
      const posted = recent.messages?.some(
        (message) =>
          (message.metadata?.event_type === SLACK_EVENT_TYPE ||
            message.metadata?.event_type === SLACK_ENDED_TYPE) &&
          (message.metadata.event_payload as { noticeId?: unknown } | undefined)?.noticeId ===
            notice.data.id,
      );
      if (posted) return;
      await client.chat.postMessage({
        channel,
        ...(notice.type === "thread.waiting"
          ? waitingMessage(notice.data)
          : endedMessage(notice.data)),
      });
    },
  };
}

/**
 * The Slack channel the deployment configures (`SLACK_*`, `SLACK_SECRET_ARN`), or none: for
 * the notify fan-out's `channels`.
 */
export async function slackChannelsFromEnv(): Promise<Channel[]> {
  const config = await slackConfig();
  return config && (config.channel || Object.keys(config.channels).length > 0)
    ? [slackChannel(config)]
    : [];
}
