import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { noticeTypes } from "../../../shared/channels/notices.ts";
import type { WebhookTarget } from "../../../shared/channels/webhook-channel.ts";
import { jsonSetting, readEnv } from "../../../shared/config/read-env.ts";

const target = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "url must be an http(s) URL" }),
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, "secret is whsec_ and base64 (24+ chars)"),
  events: z.array(z.enum(noticeTypes)).min(1).optional(),
  agents: z.array(z.string().min(1)).min(1).optional(),
});

const targetsJson = jsonSetting(
  z.array(target),
  "must be a JSON array of {url, secret, events?, agents?}",
);

const fromEnvironment = z.object({ NOTIFY_WEBHOOKS: targetsJson.default([]) });
const fromSecret = z.object({ NOTIFY_WEBHOOKS_ARN: z.string().optional() });

/**
 * `NOTIFY_WEBHOOKS`: the receivers of notices, `[{"url", "secret": "whsec_…", "events"?,
 * "agents"?}]`. Unset: none.
 */
export const readNotifyWebhooks = (env: NodeJS.ProcessEnv = process.env): WebhookTarget[] =>
  readEnv(fromEnvironment, env).NOTIFY_WEBHOOKS;

/**
 * The receivers of a deployment: `NOTIFY_WEBHOOKS_ARN` names a Secrets Manager secret holding
 * the same JSON (cached five minutes); otherwise `NOTIFY_WEBHOOKS` of the environment.
 */
export function notifyWebhooksFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<WebhookTarget[]> {
  const arn = readEnv(fromSecret, env).NOTIFY_WEBHOOKS_ARN;
  if (!arn) {
    const targets = readNotifyWebhooks(env);
    return async () => targets;
  }
  return async () => {
    const raw = await getSecret(arn, { maxAge: 300 });
    return readNotifyWebhooks({ NOTIFY_WEBHOOKS: typeof raw === "string" ? raw : undefined });
  };
}
