import { buildNotify, notifySections } from "../compose/notify.ts";
import { lazySettings } from "../compose/settings.ts";
import type { NotifyResult } from "../notify/app.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The notify function's Lambda handler: the target of the rule that matches every thread notice
 * on the agents' bus; it needs no agents. Its channels: the outbound webhooks of
 * `NOTIFY_WEBHOOKS_ARN` (a Secrets Manager secret) or `NOTIFY_WEBHOOKS`; Slack, when the
 * deployment sets it up (`SLACK_SECRET_ARN`, `SLACK_CHANNEL`…); email through SES v2, when
 * `APPROVER_EMAILS` names approvers.
 */
export function notifyHandler(): (event: unknown) => Promise<NotifyResult> {
  return lazyHandler(() => buildNotify(lazySettings(process.env, notifySections)));
}
