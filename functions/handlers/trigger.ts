import type { Context, SQSBatchResponse } from "aws-lambda";
import { assemble } from "../compose/root.ts";
import { lazySettings } from "../compose/settings.ts";
import { buildTriggerFunction, triggerSections } from "../compose/trigger.ts";
import type { TriggerResult } from "../trigger/app.ts";
import { type HandlersOptions, lazyHandler } from "./lazy.ts";

/**
 * The trigger's Lambda handler: EventBridge schedules and `agent.launch` events, and the inbox
 * queue's SQS batches (launches and answers other systems send; `INBOX_DLQ_URL` takes what can
 * never be processed).
 */
export function triggerHandler(
  options: HandlersOptions,
): (event: unknown, context: Context) => Promise<TriggerResult | SQSBatchResponse> {
  return lazyHandler(() =>
    buildTriggerFunction(assemble(lazySettings(process.env, triggerSections), options)),
  );
}
