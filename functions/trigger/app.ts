import type { Logger } from "@aws-lambda-powertools/logger";
import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas";
import * as z from "zod";
import { isRetryable, type TwelveError } from "../../shared/core/errors.ts";
import type { Actor } from "../../shared/core/events.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { launchMetadata } from "../api/schemas.ts";

const launchInput = z.object({
  agent: z.string().min(1).max(64),
  message: z.string().min(1).max(32_000),
  // The API's metadata rules: bounded depth, so a stored thread can always be serialized again.
  metadata: launchMetadata.optional(),
});

/** A scheduled rule's constant input: the launch plus the schedule's name and firing time. */
const scheduledInput = launchInput.extend({
  schedule: z.string().min(1).max(128),
  time: z.string().min(1).max(64),
});

/** A custom event (Powertools' EventBridge envelope schema): the launch is its `detail`. */
const customEvent = EventBridgeSchema.extend({ detail: launchInput });

export type TriggerResult =
  | { launched: true; threadId: string; created: boolean }
  | { launched: false; error: string };

/**
 * Launches an agent from EventBridge (factor 11): a scheduled rule (the agent and message are in
 * the rule's input) or a custom event (they are in the event's detail). Each firing carries an
 * idempotency key (schedule + time, or the event id), so a redelivered event launches nothing
 * new. Input that can never launch (a terminal error) is logged and dropped rather than retried.
 */
export function createTriggerHandler(deps: RuntimeDeps, logger: Logger) {
  return async (event: unknown): Promise<TriggerResult> => {
    const custom = customEvent.safeParse(event);
    const scheduled = custom.success ? null : scheduledInput.safeParse(event);
    let launch: z.output<typeof launchInput> & { idempotencyKey: string; by: Actor };
    if (custom.success) {
      launch = {
        ...custom.data.detail,
        idempotencyKey: `event:${custom.data.id}`,
        // The event's sender: its `source` (e.g. `com.example.orders`).
        by: { principal: custom.data.source, via: "event" },
      };
    } else if (scheduled?.success) {
      const { schedule, time, ...rest } = scheduled.data;
      launch = {
        ...rest,
        idempotencyKey: `schedule:${schedule}:${time}`,
        by: { principal: schedule, via: "schedule" },
      };
    } else {
      const error =
        "expected a custom event with detail {agent, message} or a schedule input {agent, message, schedule, time}";
      logger.error("trigger input rejected", { error });
      return { launched: false, error };
    }
    try {
      const { threadId, created } = await launchThread(deps, launch);
      logger.info("agent launched by trigger", { threadId, agent: launch.agent, created });
      return { launched: true, threadId, created };
    } catch (error) {
      // A retry (EventBridge's, Lambda's) may get past this one; a terminal error, such as an
      // unknown agent, would fail every time.
      if (isRetryable(error)) throw error;
      const { code, message } = error as TwelveError;
      logger.error("trigger launch rejected", { code, error });
      return { launched: false, error: message };
    }
  };
}
