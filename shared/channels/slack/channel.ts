import type { Channel } from "../channel.ts";
import type { Notice } from "../notices.ts";
import { slackClient } from "./client.ts";
import { channelFor, type SlackConfig, slackConfig } from "./config.ts";
import {
  callbackMessage,
  endedMessage,
  SLACK_CALLBACK_TYPE,
  SLACK_ENDED_TYPE,
  SLACK_EVENT_TYPE,
  waitingMessage,
} from "./messages.ts";

/** The message each notice posts, by its type. */
const messageOf = (notice: Notice) => {
  switch (notice.type) {
    case "thread.waiting":
      return waitingMessage(notice.data);
    case "thread.waiting_for_callback":
      return callbackMessage(notice.data);
    case "thread.done":
    case "thread.failed":
      return endedMessage(notice.data);
    default: {
      const unknown: never = notice;
      throw new TypeError(`no Slack message for notice ${JSON.stringify(unknown)}`);
    }
  }
};

/** The `metadata.event_type`s of the messages this channel posts. */
const POSTED_TYPES = new Set<unknown>([SLACK_EVENT_TYPE, SLACK_ENDED_TYPE, SLACK_CALLBACK_TYPE]);

/** How many of the channel's latest messages are looked through for an earlier post. */
const RECENT = 50;

/**
 * Posts each pause (a `thread.waiting` notice) to Slack: a Block Kit message with the thread,
 * the tool, its arguments, the console's link, and Approve / Reject or Reply buttons; and each
 * end (`thread.done`, `thread.failed`): the output or the reason, with the console's link; and each
 * callback wait (`thread.waiting_for_callback`): the tool and its expiry, nothing to press. An agent's
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
          POSTED_TYPES.has(message.metadata?.event_type) &&
          (message.metadata?.event_payload as { noticeId?: unknown } | undefined)?.noticeId ===
            notice.data.id,
      );
      if (posted) return;
      await client.chat.postMessage({ channel, ...messageOf(notice) });
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
