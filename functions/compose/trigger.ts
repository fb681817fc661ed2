import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sendToDeadLetters } from "../../shared/aws/sqs/queues.ts";
import { createInboxHandler } from "../inbox/app.ts";
import { logger } from "../logger.ts";
import { createTriggerHandler, type TriggerResult } from "../trigger/app.ts";
import type { Root } from "./root.ts";
import { runtimeSections } from "./sections.ts";
import { clientConfig } from "./settings/aws.ts";
import { readInboxSettings } from "./settings/queue.ts";

/** What the trigger reads: the runtime's sections and the inbox's dead-letter queue. */
export const triggerSections = { ...runtimeSections, inbox: readInboxSettings };

/** EventBridge schedules and `agent.launch` events. */
export function buildTrigger(root: Root): ReturnType<typeof createTriggerHandler> {
  return createTriggerHandler(root.deps(), logger);
}

/**
 * The inbox queue's SQS batches: launches and answers other systems send; what can never be
 * processed goes to the inbox's dead-letter queue (`INBOX_DLQ_URL`).
 */
export function buildInbox(root: Root): ReturnType<typeof createInboxHandler> {
  const { dlqUrl } = root.settings.inbox;
  const client = new SQSClient({
    ...clientConfig(root.settings.aws, "sqs"),
    useQueueUrlAsEndpoint: false,
  });
  return createInboxHandler(root.deps(), logger, {
    deadLetter: (record, reason) => sendToDeadLetters(client, dlqUrl, record.body, reason),
  });
}

/** The deployed trigger function: schedules and launch events, and the inbox's batches. */
export function buildTriggerFunction(
  root: Root,
): (event: unknown, context: Context) => Promise<TriggerResult | SQSBatchResponse> {
  let trigger: ReturnType<typeof createTriggerHandler> | undefined;
  let inbox: ReturnType<typeof createInboxHandler> | undefined;
  return async (event, context) => {
    if (isSqsEvent(event)) {
      inbox ??= buildInbox(root);
      return inbox(event, context);
    }
    trigger ??= buildTrigger(root);
    return trigger(event);
  };
}

const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown }).Records) &&
  (event as SQSEvent).Records.length > 0 &&
  (event as SQSEvent).Records.every((record) => record.eventSource === "aws:sqs");
