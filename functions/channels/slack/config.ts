import * as z from "zod";
import { readEnv } from "../../../shared/config/read-env.ts";

/** Slack's settings, as the environment gives them. */
export interface SlackConfig {
  /** `SLACK_BOT_TOKEN`: the bot's `xoxb-` token. */
  botToken: string;
  /** `SLACK_SIGNING_SECRET`: what Slack signs its requests to `/slack/*` with. */
  signingSecret: string;
  /** `SLACK_CHANNEL`: where an agent's pauses are posted, unless `SLACK_CHANNELS` names its own. */
  channel?: string;
  /** `SLACK_CHANNELS`: per agent, `{"deploybot": "C0123"}`. */
  channels: Readonly<Record<string, string>>;
  /** `SLACK_API_URL`: the Web API's base (tests, Enterprise Grid); default `https://slack.com/api/`. */
  apiUrl?: string;
  /** `SLACK_AGENT`: the agent a mention launches when its first word names none. */
  agent?: string;
}

const channelMap = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: 'is not JSON; write {"<agent>": "<channel id>"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.string().min(1)));

const schema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1),
  SLACK_SIGNING_SECRET: z.string().min(1),
  SLACK_CHANNEL: z.string().min(1).optional(),
  SLACK_CHANNELS: channelMap.optional(),
  SLACK_API_URL: z.url().optional(),
  SLACK_AGENT: z.string().min(1).optional(),
});

const KEYS = Object.keys(schema.shape);

/**
 * Slack's settings, or null when none is set (Slack is then off: its routes answer 404). Any
 * one set makes the token and the signing secret required: a `ConfigError` names what is missing.
 *
 * @example
 * readSlackConfig({ SLACK_BOT_TOKEN: "xoxb-…", SLACK_SIGNING_SECRET: "…", SLACK_CHANNEL: "C0123" });
 */
export function readSlackConfig(
  env: Readonly<Record<string, string | undefined>>,
): SlackConfig | null {
  if (KEYS.every((key) => !env[key])) return null;
  const read = readEnv(schema, env);
  return {
    botToken: read.SLACK_BOT_TOKEN,
    signingSecret: read.SLACK_SIGNING_SECRET,
    channels: read.SLACK_CHANNELS ?? {},
    ...(read.SLACK_CHANNEL ? { channel: read.SLACK_CHANNEL } : {}),
    ...(read.SLACK_API_URL ? { apiUrl: read.SLACK_API_URL } : {}),
    ...(read.SLACK_AGENT ? { agent: read.SLACK_AGENT } : {}),
  };
}

let cached: { key: string; config: SlackConfig | null } | undefined;

/** `readSlackConfig(process.env)`, read again only when those variables change. */
export function slackConfig(): SlackConfig | null {
  const key = JSON.stringify(KEYS.map((name) => process.env[name] ?? ""));
  if (cached?.key !== key) cached = { key, config: readSlackConfig(process.env) };
  return cached.config;
}

/** The channel `agent`'s pauses go to, if any. */
export const channelFor = (config: Pick<SlackConfig, "channel" | "channels">, agent: string) =>
  Object.hasOwn(config.channels, agent) ? config.channels[agent] : config.channel;
