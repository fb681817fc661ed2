import {
  EventBridgeClient,
  type EventBridgeClientConfig,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import type {
  CallbackWaitingNotice,
  Notifier,
  ThreadEndedNotice,
  ThreadWaitingNotice,
} from "../../core/ports.ts";
import { PutEventsError } from "./errors.ts";
import { fitNotice } from "./fit-notice.ts";

/** The `detail-type` of the event published when a thread starts waiting for a person. */
export const THREAD_WAITING_DETAIL_TYPE = "thread.waiting";

/** The `detail-type` of the event published when a thread starts waiting on a callback tool. */
export const THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE = "thread.waiting_for_callback";

/** The `detail-type`s of the events published when a thread ends. */
export const THREAD_DONE_DETAIL_TYPE = "thread.done";
export const THREAD_FAILED_DETAIL_TYPE = "thread.failed";

/** The `detail-type` of a custom event on the agents' bus that launches the agent its detail names. */
export const LAUNCH_DETAIL_TYPE = "agent.launch";

export interface EventBridgeNotifierOptions {
  /** The event bus name or ARN. */
  busName: string;
  /** The event's `source`; rules match on it. */
  source?: string;
  /** A ready client (tests, shared instances). Built from `clientConfig` when omitted. */
  client?: EventBridgeClient;
  /** Config for the client built when `client` is omitted (the SDK reads env defaults). */
  clientConfig?: EventBridgeClientConfig;
}

/**
 * The `Notifier` port on EventBridge (factor 11): a waiting thread becomes one event with
 * `detail-type` `thread.waiting` and the notice as `detail`, so any rule (chat, email, a pager)
 * can tell the person. A notice that would pass EventBridge's 256 KB is cut to fit, each cut
 * marked and pointing to the thread's link (`fitNotice`). An entry EventBridge rejects throws
 * `PutEventsError`; SDK errors (network, access) propagate as they are.
 *
 * @example
 * const notifier = new EventBridgeNotifier({ busName: process.env.EVENT_BUS_NAME });
 * await notifier.threadWaiting({
 *   threadId, agent: "calculator", status: "waiting_for_approval",
 *   callId, tool: "divide", args: { a: 1, b: 0 }, link: `${base}/threads/${threadId}`,
 * });
 */
export class EventBridgeNotifier implements Notifier {
  readonly busName: string;
  readonly source: string;
  private readonly client: EventBridgeClient;

  constructor(options: EventBridgeNotifierOptions) {
    this.busName = options.busName;
    this.source = options.source ?? "twelve";
    this.client = options.client ?? new EventBridgeClient(options.clientConfig ?? {});
  }

  async threadWaiting(notice: ThreadWaitingNotice): Promise<void> {
    await this.publish(THREAD_WAITING_DETAIL_TYPE, fitNotice(notice));
  }

  async threadEnded(notice: ThreadEndedNotice): Promise<void> {
    const detailType =
      notice.status === "done" ? THREAD_DONE_DETAIL_TYPE : THREAD_FAILED_DETAIL_TYPE;
    await this.publish(detailType, fitNotice(notice));
  }

  async callbackWaiting(notice: CallbackWaitingNotice): Promise<void> {
    await this.publish(THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE, fitNotice(notice));
  }

  private async publish(detailType: string, detail: unknown): Promise<void> {
    const output = await this.client.send(
      new PutEventsCommand({ Entries: [this.entry(detailType, detail)] }),
    );
    if ((output.FailedEntryCount ?? 0) > 0) {
      const failed = output.Entries?.find((entry) => entry.ErrorCode !== undefined);
      throw new PutEventsError({
        busName: this.busName,
        detailType,
        errorCode: failed?.ErrorCode,
        errorMessage: failed?.ErrorMessage,
      });
    }
  }

  /** The PutEvents entry for `detail` (EventBridge stamps the time). */
  entry(detailType: string, detail: unknown): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
    };
  }
}
