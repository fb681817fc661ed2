import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { webhookChannels } from "../../shared/channels/channel.ts";
import { emailChannelFromConfig, sesTransport } from "../../shared/channels/email/channel.ts";
import { readEmailConfig } from "../../shared/channels/email/config.ts";
import { slackChannelsFromEnv } from "../../shared/channels/slack/channel.ts";
import { logger } from "../logger.ts";
import { createNotifyHandler, type NotifyResult } from "../notify/app.ts";
import { notifyWebhooksFromEnv } from "../notify/config.ts";

/**
 * The notify function's Lambda handler: the target of the rule that matches every thread notice
 * on the agents' bus; it needs no agents. Its channels: the outbound webhooks of
 * `NOTIFY_WEBHOOKS_ARN` (a Secrets Manager secret) or `NOTIFY_WEBHOOKS`; Slack, when the
 * deployment sets it up (`SLACK_SECRET_ARN`, `SLACK_CHANNEL`…); email through SES v2, when
 * `APPROVER_EMAILS` names approvers.
 */
export function notifyHandler() {
  let notify: ReturnType<typeof createNotifyHandler> | undefined;
  return async (event: unknown): Promise<NotifyResult> => {
    if (!notify) {
      const webhooks = notifyWebhooksFromEnv();
      const config = readEmailConfig();
      const email = config
        ? emailChannelFromConfig(
            config,
            config.smtpUrl
              ? undefined
              : sesTransport({ sesClient: new SESv2Client({}), SendEmailCommand }),
          )
        : null;
      notify = createNotifyHandler({
        channels: async () => [
          ...webhookChannels(await webhooks()),
          ...(await slackChannelsFromEnv()),
          ...(email ? [email] : []),
        ],
        logger,
      });
    }
    return notify(event);
  };
}
