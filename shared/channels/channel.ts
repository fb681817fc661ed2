import type { Notice } from "./notices.ts";
import {
  type DeliveryOptions,
  deliverToWebhook,
  type WebhookTarget,
  wants,
} from "./webhook-channel.ts";

/**
 * A way of telling people and systems about a thread (factor 7): outbound webhooks, Slack,
 * email. The notify fan-out hands each notice to every channel that wants it; a channel retries
 * on its own and throws when it finally cannot deliver (the fan-out is then delivered again,
 * under the notice's stable id, which the channel deduplicates by).
 */
export interface Channel {
  /** For logs: `webhook:<url>`, `slack`, `email`. */
  readonly name: string;
  wants(notice: Notice): boolean;
  deliver(notice: Notice): Promise<void>;
}

/** One channel per `NOTIFY_WEBHOOKS` receiver. */
export const webhookChannels = (
  targets: readonly WebhookTarget[],
  options?: DeliveryOptions,
): Channel[] =>
  targets.map((target) => ({
    name: `webhook:${target.url}`,
    wants: (notice) => wants(target, notice),
    deliver: (notice) => deliverToWebhook(target, notice, options),
  }));
