import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import type { Notice, NoticeType } from "./notices.ts";

/** One receiver of `NOTIFY_WEBHOOKS`: where, the `whsec_` key it verifies with, and what it hears. */
export interface WebhookTarget {
  url: string;
  secret: string;
  /** Default: every notice type. */
  events?: readonly NoticeType[];
  /** Default: every agent. */
  agents?: readonly string[];
}

export interface DeliveryOptions {
  now?: () => Date;
  /** Tries before giving up (default 3), waiting `backoffMs`, then twice that, between them. */
  attempts?: number;
  backoffMs?: number;
  /** Per try (default 10 s). */
  timeoutMs?: number;
}

/** Whether `target` wants to hear of `notice`. */
export const wants = (target: WebhookTarget, notice: Notice): boolean =>
  (target.events === undefined || target.events.includes(notice.type)) &&
  (target.agents === undefined || target.agents.includes(notice.data.agent));

/**
 * POSTs a notice to a webhook receiver, signed the Standard Webhooks way (`webhook-id` = the
 * notice's stable id, so a receiver deduplicates redeliveries; `webhook-timestamp`;
 * `webhook-signature`), as `{"type", "timestamp", "data"}`. A network error, a timeout, a 429 or
 * a 5xx is tried again with backoff; after the last try (or a 4xx) it throws, naming the answer.
 *
 * @example
 * await deliverToWebhook({ url: "https://example.com/hooks/twelve", secret: "whsec_…" }, notice);
 */
export async function deliverToWebhook(
  target: WebhookTarget,
  notice: Notice,
  options: DeliveryOptions = {},
): Promise<void> {
  const now = options.now ?? (() => new Date());
  const attempts = options.attempts ?? 3;
  const webhook = new Webhook(target.secret);
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const at = now();
    const body = JSON.stringify({
      type: notice.type,
      timestamp: at.toISOString(),
      data: notice.data,
    });
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "twelve-agents",
          "webhook-id": notice.data.id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": webhook.sign(notice.data.id, at, body),
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      last = `answered ${response.status}`;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt < attempts) await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1));
  }
  throw new Error(`webhook ${target.url} did not take notice ${notice.data.id}: ${last}`);
}
