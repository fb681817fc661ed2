import type { Logger } from "@aws-lambda-powertools/logger";
import type { Channel } from "../../shared/channels/channel.ts";
import { noticeOf } from "../../shared/channels/notices.ts";

export type NotifyResult = { notified: number } | { ignored: string };

/**
 * The channels' fan-out (factor 7): an EventBridge rule hands every `thread.waiting`,
 * `thread.done` and `thread.failed` notice here, away from the step that published it, so a
 * channel that is down never blocks or fails a step. Each channel that wants the notice gets it;
 * one that still fails after its retries makes this invocation fail, so EventBridge delivers the
 * notice again (the same id: receivers deduplicate) and finally to a dead-letter queue with an
 * alarm. Events that carry no notice are ignored.
 */
export function createNotifyHandler(options: {
  channels: () => Promise<readonly Channel[]>;
  logger: Logger;
}) {
  return async (event: unknown): Promise<NotifyResult> => {
    const notice = noticeOf(event);
    if (!notice) {
      options.logger.warn("notify: not a thread notice", { event });
      return { ignored: "not a thread notice" };
    }
    const targets = (await options.channels()).filter((channel) => channel.wants(notice));
    const results = await Promise.allSettled(targets.map((channel) => channel.deliver(notice)));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    if (failures.length > 0) {
      options.logger.error("notify: a channel did not take the notice", {
        id: notice.data.id,
        failures,
      });
      throw new Error(
        `${failures.length} of ${targets.length} channel(s) failed: ${failures.join("; ")}`,
      );
    }
    options.logger.info("notify: delivered", {
      id: notice.data.id,
      type: notice.type,
      channels: targets.length,
    });
    return { notified: targets.length };
  };
}
