import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { type Channel, webhookChannels } from "../../shared/channels/channel.ts";
import { emailChannelFromConfig, sesTransport } from "../../shared/channels/email/channel.ts";
import { slackChannel } from "../../shared/channels/slack/channel.ts";
import type { DeliveryOptions } from "../../shared/channels/webhook-channel.ts";
import { logger } from "../logger.ts";
import { createNotifyHandler } from "../notify/app.ts";
import { readChannelSettings } from "./settings/channels.ts";
import type { Settings } from "./settings.ts";

/** What the notify function reads: the channels only (it needs no agents). */
export const notifySections = { channels: readChannelSettings };

/**
 * The notices' fan-out: the outbound webhooks, Slack when the settings set it up, email to the
 * approvers when they are named (over SMTP with `SMTP_URL`, otherwise SES v2). `channels` are
 * used instead of Slack (tests hand their own). A bad email setting fails here, at start.
 *
 * @example
 * const notify = buildNotify(readSettings());
 */
export function buildNotify(
  settings: Pick<Settings, "channels">,
  options: {
    delivery?: DeliveryOptions;
    channels?: readonly Channel[];
    /** Email over SMTP only (`SMTP_URL` required): `twelve dev` never reaches SES. */
    smtpOnly?: boolean;
  } = {},
): ReturnType<typeof createNotifyHandler> {
  const { channels } = settings;
  const config = channels.email;
  const email = config
    ? emailChannelFromConfig(
        config,
        config.smtpUrl || options.smtpOnly
          ? undefined
          : sesTransport({ sesClient: new SESv2Client({}), SendEmailCommand }),
      )
    : null;
  return createNotifyHandler({
    channels: async () => [
      ...webhookChannels(await channels.notifyWebhooks(), options.delivery),
      ...(email ? [email] : []),
      ...(options.channels ?? (await slackChannels(channels))),
    ],
    logger,
  });
}

/** The Slack channel the settings configure, or none. */
async function slackChannels(channels: Settings["channels"]): Promise<Channel[]> {
  const config = await channels.slack();
  return config && (config.channel || Object.keys(config.channels).length > 0)
    ? [slackChannel(config)]
    : [];
}
