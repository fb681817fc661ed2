import type { Context, SQSBatchResponse } from "aws-lambda";
import type { Root } from "../compose/root.ts";
import { buildTriggerFunction, triggerSections } from "../compose/trigger.ts";
import type { TriggerResult } from "../trigger/app.ts";
import { type HandlersOptions, rootFor } from "./lazy.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The trigger's Lambda handler: EventBridge schedules and `agent.launch` events, and the inbox
 * queue's SQS batches (launches and answers other systems send; `INBOX_DLQ_URL` takes what can
 * never be processed).
 */
export function triggerHandler(
  options: HandlersOptions | Root,
): (event: unknown, context: Context) => Promise<TriggerResult | SQSBatchResponse> {
  return lazyHandler(() => buildTriggerFunction(rootFor(options, triggerSections)));
}
