import { ApprovalPendingError, ThreadBusyError, ThreadClosedError } from "./errors.ts";
import type { Actor, ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { derivePending, deriveStatus, type Thread } from "./thread.ts";

/** What a message does to a thread whose step is in flight. */
export const ifRunningPolicies = ["enqueue", "reject", "interrupt"] as const;
export type IfRunning = (typeof ifRunningPolicies)[number];

/** What a person's message does now: add `event` to the thread, or wait in the step queue. */
export type MessageDecision = { type: "append"; event: ThreadEvent } | { type: "enqueue" };

/**
 * What a person's message does to a thread (factor 6), by the thread's status:
 * - `done`: a `user_message`, the next turn (the step cap counts from it);
 * - `waiting_for_human`: the answer to the pending question;
 * - `waiting_for_approval`: `ApprovalPendingError`, naming the call: a decision comes first;
 * - `failed`, `cancelled`: `ThreadClosedError`;
 * - `running`, by `ifRunning`: `enqueue` waits in the step queue behind the step in flight (the
 *   queue adds it with `queuedMessage` once that step is saved); `interrupt` is a `user_message`
 *   now, so the step in flight loses its append and the next step sees the message; `reject`
 *   throws `ThreadBusyError`.
 *
 * @example
 * const decision = message(thread, { message: "And times 3?", ifRunning: "enqueue" }, clock);
 */
export function message(
  thread: Thread,
  input: { message: string; ifRunning: IfRunning; by?: Actor },
  clock: Clock,
): MessageDecision {
  const status = deriveStatus(thread.events);
  const at = clock.now().toISOString();
  const who = input.by ? { by: input.by } : {};
  const userMessage = (): MessageDecision => ({
    type: "append",
    event: { type: "user_message", at, ...who, data: { message: input.message } },
  });
  switch (status) {
    case "done":
      return userMessage();
    case "waiting_for_human": {
      const callId = derivePending(thread.events)?.callId ?? "";
      return {
        type: "append",
        event: { type: "human_response", at, ...who, data: { callId, response: input.message } },
      };
    }
    case "waiting_for_approval": {
      const callId = derivePending(thread.events)?.callId ?? "";
      throw new ApprovalPendingError(
        thread.id,
        callId,
        `thread ${thread.id} waits for a decision on call ${callId}: decide it first (POST /threads/${thread.id}/responses)`,
      );
    }
    case "failed":
    case "cancelled":
      throw new ThreadClosedError(thread.id, status, `thread ${thread.id} is ${status}`);
    case "running":
      switch (input.ifRunning) {
        case "interrupt":
          return userMessage();
        case "enqueue":
          return { type: "enqueue" };
        case "reject":
          throw new ThreadBusyError(
            thread.id,
            `thread ${thread.id} is running a step (ifRunning reject): send the message once it pauses or finishes, or with ifRunning enqueue`,
          );
        default: {
          const unknown: never = input.ifRunning;
          throw new TypeError(`unknown ifRunning policy ${unknown}`);
        }
      }
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}

/**
 * The event a queued message (`ifRunning: "enqueue"`) adds once the step it waited behind is
 * saved, or `null` when it is dropped. It does what it would do if sent now, except that it can
 * no longer be refused with a status code:
 * - `running`, `done`, `waiting_for_approval`: a `user_message` (a pending approval stays pending;
 *   the model sees the message in the step after the decision);
 * - `waiting_for_human`: the answer to the pending question;
 * - `failed`, `cancelled`: `null`, since a closed thread takes nothing more.
 *
 * @example
 * const event = queuedMessage(thread, { message: "also check staging", at });
 */
export function queuedMessage(
  thread: Thread,
  queued: { message: string; at: string; by?: Actor },
): ThreadEvent | null {
  const status = deriveStatus(thread.events);
  const { at } = queued;
  const who = queued.by ? { by: queued.by } : {};
  switch (status) {
    case "running":
    case "done":
    case "waiting_for_approval":
      return { type: "user_message", at, ...who, data: { message: queued.message } };
    case "waiting_for_human": {
      const callId = derivePending(thread.events)?.callId ?? "";
      return { type: "human_response", at, ...who, data: { callId, response: queued.message } };
    }
    case "failed":
    case "cancelled":
      return null;
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}
