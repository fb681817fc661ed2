import { type EmailConfig, readEmailConfig } from "../../../shared/channels/email/config.ts";
import { type SlackConfig, slackConfig } from "../../../shared/channels/slack/config.ts";
import type { WebhookTarget } from "../../../shared/channels/webhook-channel.ts";
import type { RawSettings } from "../../../shared/config/read-env.ts";
import {
  readWebhookSources,
  type WebhookSource,
  webhookSourcesFromEnv,
} from "../../api/webhook-config.ts";
import { notifyWebhooksFromEnv } from "./notify-webhooks.ts";

/**
 * The channels: inbound webhooks, outbound notice webhooks, Slack and email. What a secret holds
 * is read when first needed (and cached by Powertools), so these are functions.
 */
export interface ChannelSettings {
  /** Signed webhook sources: `WEBHOOK_SOURCES` / `WEBHOOK_SECRETS`, or the secret `WEBHOOK_SECRETS_ARN`. */
  webhookSources: () => Promise<Record<string, WebhookSource>>;
  /**
   * The sources named in the environment itself (not in a secret), whose agents are checked at
   * start; a secret's are checked when it is read.
   */
  inlineWebhookSources?: Readonly<Record<string, WebhookSource>> | undefined;
  /** Receivers of thread notices: `NOTIFY_WEBHOOKS`, or the secret `NOTIFY_WEBHOOKS_ARN`. */
  notifyWebhooks: () => Promise<WebhookTarget[]>;
  /** Slack (`SLACK_BOT_TOKEN`, `SLACK_CHANNEL`, ... or `SLACK_SECRET_ARN`), null when off. */
  slack: () => Promise<SlackConfig | null>;
  /** The agent Slack's messages launch (`SLACK_AGENT`), checked against the agents served. */
  slackAgent?: string | undefined;
  /** Email to approvers (`APPROVER_EMAILS`, `SMTP_URL`, `EMAIL_FROM`, ...), null when off. */
  email: EmailConfig | null;
}

/**
 * Every channel setting, checked now (a secret's content when it is read). Only the functions
 * that deliver or receive through channels read this section (the API and notify).
 */
export function readChannelSettings(env: RawSettings): ChannelSettings {
  const strings = env as NodeJS.ProcessEnv;
  const webhookSources = webhookSourcesFromEnv(strings);
  const notifyWebhooks = notifyWebhooksFromEnv(strings);
  const email = readEmailConfig(strings);
  return {
    webhookSources,
    inlineWebhookSources: env.WEBHOOK_SECRETS_ARN ? undefined : readWebhookSources(strings),
    notifyWebhooks,
    // Read on each use: a rotated secret is honoured once Powertools' cache expires.
    slack: () => slackConfig(strings),
    slackAgent:
      typeof env.SLACK_AGENT === "string" && env.SLACK_AGENT ? env.SLACK_AGENT : undefined,
    email,
  };
}
