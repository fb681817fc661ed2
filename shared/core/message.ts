import { ApprovalPendingError, ThreadBusyError, ThreadClosedError } from "./errors.ts";
import type { ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { derivePending, deriveStatus, type Thread } from "./thread.ts";

/** What a message does to a thread whose step is in flight. */
export const ifRunningPolicies = ["enqueue", "reject", "interrupt"] as const;
export type IfRunning = (typeof ifRunningPolicies)[number];

/**
 * The event a person's message adds to a conversation (factor 6), by the thread's status:
 * - `done`: a `user_message`, the next turn (the step cap counts from it);
 * - `waiting_for_human`: the answer to the pending question;
 * - `waiting_for_approval`: `ApprovalPendingError`, naming the call: a decision comes first;
 * - `failed`, `cancelled`: `ThreadClosedError`;
 * - `running`: `ThreadBusyError`. Keeping the message for after the step in flight (`enqueue`)
 *   or dropping that step's answer for it (`interrupt`) are not built yet; every policy refuses.
 *
 * @example
 * const event = message(thread, { message: "And times 3?" }, clock);
 */
export function message(
  thread: Thread,
  input: { message: string; ifRunning?: IfRunning },
  clock: Clock,
): ThreadEvent {
  const status = deriveStatus(thread.events);
  const at = clock.now().toISOString();
  switch (status) {
    case "done":
      return { type: "user_message", at, data: { message: input.message } };
    case "waiting_for_human": {
      const pending = derivePending(thread.events);
      const callId = pending?.callId ?? "";
      return { type: "human_response", at, data: { callId, response: input.message } };
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
      throw new ThreadBusyError(
        thread.id,
        `thread ${thread.id} is running a step (ifRunning ${input.ifRunning ?? "enqueue"}): send the message once it pauses or finishes`,
      );
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}
