import { logger } from "../logger.ts";
import { createNotifyHandler, type NotifyResult } from "../notify/app.ts";
import { webhookChannels } from "../notify/channel.ts";
import { notifyWebhooksFromEnv } from "../notify/config.ts";

/**
 * The notify function's Lambda handler: the target of the rule that matches every thread notice
 * on the agents' bus; it needs no agents. The receivers come from `NOTIFY_WEBHOOKS_ARN` (a
 * Secrets Manager secret) or `NOTIFY_WEBHOOKS`.
 */
export function notifyHandler() {
  let notify: ReturnType<typeof createNotifyHandler> | undefined;
  return async (event: unknown): Promise<NotifyResult> => {
    if (!notify) {
      const webhooks = notifyWebhooksFromEnv();
      notify = createNotifyHandler({
        channels: async () => webhookChannels(await webhooks()),
        logger,
      });
    }
    return notify(event);
  };
}
