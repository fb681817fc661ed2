import type { Agent } from "./agent.ts";
import { InvalidVersionError, NotPendingError } from "./errors.ts";
import type { Actor, ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { derivePending, type Thread, versionOf } from "./thread.ts";

/**
 * Launch, resume and fork (factor 6) as pure functions: each returns the events or the thread
 * to persist, and throws a typed error for a request the thread cannot take.
 */

/** A new thread holding the user's message. */
export function launch(input: {
  agent: Agent;
  threadId: string;
  message: string;
  metadata?: Record<string, unknown>;
  /** Who launched it. */
  by?: Actor;
  clock: Clock;
}): Thread {
  const { agent, threadId, message, metadata, clock, by } = input;
  const event: ThreadEvent = {
    type: "user_message",
    at: clock.now().toISOString(),
    ...(by ? { by } : {}),
    data: metadata ? { message, metadata } : { message },
  };
  return { id: threadId, agent: agent.name, events: [event] };
}

/** A human's answer to the call a thread waits on. */
export type HumanReply =
  | { callId: string; approved: boolean; comment?: string; argsHash?: string }
  | { callId: string; response: string };

/**
 * The event that answers the thread's pending call. Throws `NotPendingError` when the thread is
 * not waiting on `callId`, waits for the other kind of answer, or (when the approver quotes
 * `argsHash`) was shown other arguments.
 */
export function respond(thread: Thread, reply: HumanReply, clock: Clock, by?: Actor): ThreadEvent {
  const pending = derivePending(thread.events);
  const at = clock.now().toISOString();
  const who = by ? { by } : {};
  if (!pending || pending.callId !== reply.callId) {
    throw new NotPendingError(
      thread.id,
      reply.callId,
      pending
        ? `thread is waiting on call ${pending.callId}, not ${reply.callId}`
        : `thread is not waiting on any call (call ${reply.callId} was answered or never asked)`,
    );
  }
  if ("approved" in reply) {
    if (pending.kind !== "approval") {
      throw new NotPendingError(
        thread.id,
        reply.callId,
        `call ${reply.callId} waits for a response, not an approval`,
      );
    }
    if (reply.argsHash !== undefined && reply.argsHash !== pending.argsHash) {
      throw new NotPendingError(
        thread.id,
        reply.callId,
        `call ${reply.callId} has other arguments than the ones approved (argsHash mismatch)`,
      );
    }
    const data = { callId: reply.callId, approved: reply.approved };
    return {
      type: "approval_decision",
      at,
      ...who,
      data: reply.comment !== undefined ? { ...data, comment: reply.comment } : data,
    };
  }
  if (pending.kind !== "human_input") {
    throw new NotPendingError(
      thread.id,
      reply.callId,
      `call ${reply.callId} waits for an approval, not a response`,
    );
  }
  return {
    type: "human_response",
    at,
    ...who,
    data: { callId: reply.callId, response: reply.response },
  };
}

/**
 * Whether `thread` already holds exactly this answer to `reply.callId`: the same decision and
 * comment (and, when quoted, the hash of the arguments that were approved), or the same human
 * response. A client retrying after a timeout sends such a repeat; it is answered as a success
 * and recorded once, while another answer to the same call stays a conflict (`respond` throws).
 */
export function repeatsAnswer(thread: Thread, reply: HumanReply): boolean {
  let argsHash: string | undefined;
  for (const event of thread.events) {
    if (event.type === "approval_requested" && event.data.callId === reply.callId) {
      argsHash = event.data.argsHash;
    }
    if (event.type === "approval_decision" && event.data.callId === reply.callId) {
      return (
        "approved" in reply &&
        event.data.approved === reply.approved &&
        event.data.comment === reply.comment &&
        (reply.argsHash === undefined || reply.argsHash === argsHash)
      );
    }
    if (event.type === "human_response" && event.data.callId === reply.callId) {
      return "response" in reply && event.data.response === reply.response;
    }
  }
  return false;
}

/**
 * A new thread with a copy of `thread`'s first `version` events (factor 5): replay a run from any
 * point, for debugging or to try another path.
 */
export function fork(
  thread: Thread,
  input: { version: number; threadId: string; by?: Actor },
): Thread {
  const { version, threadId, by } = input;
  if (!Number.isInteger(version) || version < 1 || version > versionOf(thread)) {
    throw new InvalidVersionError(
      `cannot fork thread ${thread.id} at version ${version}: it has versions 1..${versionOf(thread)}`,
    );
  }
  return {
    id: threadId,
    agent: thread.agent,
    events: thread.events.slice(0, version),
    forkedFrom: { threadId: thread.id, version, ...(by ? { by } : {}) },
  };
}
