import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { jsonSetting, readEnv } from "../../config/read-env.ts";
import { ConfigError } from "../../core/errors.ts";

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

const channelMap = jsonSetting(
  z.record(z.string(), z.string().min(1)),
  'is not JSON; write {"<agent>": "<channel id>"}',
);

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

/**
 * What a `SLACK_SECRET_ARN` secret holds: one JSON object of the same settings, at least
 * `{"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_SIGNING_SECRET": "…"}`; its values win over the environment's.
 */
export function slackSettingsOfSecret(text: string | undefined): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? "");
  } catch (error) {
    throw new ConfigError("invalid configuration: SLACK_SECRET_ARN: the secret is not JSON", {
      cause: error,
    });
  }
  const parsed = z.record(z.string(), z.string()).safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      'invalid configuration: SLACK_SECRET_ARN: the secret must be {"SLACK_BOT_TOKEN": "…", "SLACK_SIGNING_SECRET": "…"}',
      { cause: parsed.error },
    );
  }
  return Object.fromEntries(Object.entries(parsed.data).filter(([key]) => KEYS.includes(key)));
}

let cached: { key: string; config: SlackConfig | null } | undefined;

/**
 * The deployment's Slack settings: `readSlackConfig` of the environment, with a
 * `SLACK_SECRET_ARN` secret's settings over it (read through Powertools, cached five minutes, so
 * a rotation needs no deploy). Read again only when those change.
 */
export async function slackConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SlackConfig | null> {
  const arn = env.SLACK_SECRET_ARN;
  const secret = arn ? slackSettingsOfSecret(String(await getSecret(arn, { maxAge: 300 }))) : {};
  const settings = { ...env, ...secret };
  const key = JSON.stringify(KEYS.map((name) => settings[name] ?? ""));
  if (cached?.key !== key) cached = { key, config: readSlackConfig(settings) };
  return cached.config;
}

/** The channel `agent`'s pauses go to, if any. */
export const channelFor = (config: Pick<SlackConfig, "channel" | "channels">, agent: string) =>
  Object.hasOwn(config.channels, agent) ? config.channels[agent] : config.channel;
