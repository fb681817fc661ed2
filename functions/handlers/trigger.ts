import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as z from "zod";
import { sendToDeadLetters } from "../../shared/aws/sqs/queues.ts";
import { readEnv } from "../../shared/config/read-env.ts";
import { createInboxHandler } from "../inbox/app.ts";
import { logger } from "../logger.ts";
import { createTriggerHandler, type TriggerResult } from "../trigger/app.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

const inboxSettings = z.object({ INBOX_DLQ_URL: z.string().min(1) });

/**
 * The trigger's Lambda handler: EventBridge schedules and `agent.launch` events, and the inbox
 * queue's SQS batches (launches and answers other systems send; `INBOX_DLQ_URL` takes what can
 * never be processed).
 */
export function triggerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  let trigger: ReturnType<typeof createTriggerHandler> | undefined;
  let inbox: ReturnType<typeof createInboxHandler> | undefined;
  return async (event: unknown, context: Context): Promise<TriggerResult | SQSBatchResponse> => {
    if (isSqsEvent(event)) {
      if (!inbox) {
        const { INBOX_DLQ_URL: dlqUrl } = readEnv(inboxSettings, process.env);
        const client = new SQSClient({});
        inbox = createInboxHandler(runtime().deps, logger, {
          deadLetter: (record, reason) => sendToDeadLetters(client, dlqUrl, record.body, reason),
        });
      }
      return inbox(event, context);
    }
    trigger ??= createTriggerHandler(runtime().deps, logger);
    return trigger(event);
  };
}

const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown }).Records) &&
  (event as SQSEvent).Records.length > 0 &&
  (event as SQSEvent).Records.every((record) => record.eventSource === "aws:sqs");
