import type { Agent } from "./agent.ts";
import { InvalidVersionError, NotPendingError, ThreadClosedError } from "./errors.ts";
import type { Actor, EventOf, ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { parseRunContext } from "./run-context.ts";
import {
  answerKindOf,
  deriveDanglingCall,
  derivePending,
  deriveStatus,
  type Thread,
  versionOf,
} from "./thread.ts";

/**
 * Launch, resume and fork (factor 6) as pure functions: each returns the events or the thread
 * to persist, and throws a typed error for a request the thread cannot take.
 */

/**
 * A new thread holding the user's message. Throws `InvalidMetadataError` when the metadata does
 * not pass the agent's `runContext` schema.
 */
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
  // A launch the agent's run context refuses is refused whole: nothing is written.
  if (agent.runContext) parseRunContext(agent.name, agent.runContext, metadata);
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
 * The event that answers the thread's pending call. Throws `ThreadClosedError` on a cancelled or
 * failed thread (nothing it asked can be answered any more), `NotPendingError` when the thread is
 * not waiting on `callId`, waits for another kind of answer, or (when the approver quotes
 * `argsHash`) was shown other arguments.
 */
export function respond(thread: Thread, reply: HumanReply, clock: Clock, by?: Actor): ThreadEvent {
  const status = deriveStatus(thread.events);
  if (status === "cancelled" || status === "failed") {
    throw new ThreadClosedError(
      thread.id,
      status,
      `thread ${thread.id} is ${status}: call ${reply.callId} can no longer be answered`,
    );
  }
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
  const answer = answerKindOf[pending.kind];
  if ("approved" in reply) {
    if (answer !== "decision") {
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
  if (answer === "decision") {
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
  // Only an answer to the call's last request counts: a fork asks again (see `fork`).
  let answer: boolean | undefined;
  let argsHash: string | undefined;
  for (const event of thread.events) {
    if (event.type === "approval_requested" && event.data.callId === reply.callId) {
      argsHash = event.data.argsHash;
      answer = undefined;
    }
    if (event.type === "human_input_requested" && event.data.callId === reply.callId) {
      answer = undefined;
    }
    if (answer !== undefined) continue;
    if (event.type === "approval_decision" && event.data.callId === reply.callId) {
      answer =
        "approved" in reply &&
        event.data.approved === reply.approved &&
        event.data.comment === reply.comment &&
        (reply.argsHash === undefined || reply.argsHash === argsHash);
    }
    if (event.type === "human_response" && event.data.callId === reply.callId) {
      answer = "response" in reply && event.data.response === reply.response;
    }
  }
  return answer ?? false;
}

/**
 * A new thread with a copy of `thread`'s first `version` events (factor 5): replay a run from any
 * point, for debugging or to try another path.
 *
 * A fork never inherits the authority to act: when the copy waits on an approval, or holds an
 * approved call whose tool has not run yet, the fork asks again (an `approval_requested` for the
 * same call, dated `clock`'s now, so an `approvalTimeoutMs` counts from the fork) and waits for
 * its own decision. A copied callback wait is not the fork's either (its token names the source):
 * the runtime issues it again (`callbackToStart`, `reissueCallback`). A version at or after a
 * cancellation throws `ThreadClosedError` (a fork of it would be cancelled already): fork from
 * before it.
 *
 * @example
 * const copy = fork(thread, { version: 3, threadId: "thr_2", clock });
 * await store.create({ thread: copy, head: deriveHead(copy.events) });
 */
export function fork(
  thread: Thread,
  input: { version: number; threadId: string; by?: Actor; clock: Clock },
): Thread {
  const { version, threadId, by, clock } = input;
  if (!Number.isInteger(version) || version < 1 || version > versionOf(thread)) {
    throw new InvalidVersionError(
      `cannot fork thread ${thread.id} at version ${version}: it has versions 1..${versionOf(thread)}`,
    );
  }
  const cancelledAt = thread.events.findIndex((event) => event.type === "cancelled");
  if (cancelledAt !== -1 && version > cancelledAt) {
    throw new ThreadClosedError(
      thread.id,
      "cancelled",
      `thread ${thread.id} was cancelled at version ${cancelledAt + 1}: fork it at version ${cancelledAt} or earlier`,
    );
  }
  const events = thread.events.slice(0, version);
  const again = approvalToAskAgain(events);
  return {
    id: threadId,
    agent: thread.agent,
    events: again
      ? [
          ...events,
          {
            type: "approval_requested",
            at: clock.now().toISOString(),
            ...(by ? { by } : {}),
            data: again,
          },
        ]
      : events,
    forkedFrom: { threadId: thread.id, version, ...(by ? { by } : {}) },
  };
}

/** The request a fork of `events` must make again: a pending approval, or an approved unrun call. */
function approvalToAskAgain(
  events: readonly ThreadEvent[],
): EventOf<"approval_requested">["data"] | null {
  const pending = derivePending(events);
  const owed = deriveDanglingCall(events);
  const callId =
    pending?.kind === "approval"
      ? pending.callId
      : owed?.source === "approved"
        ? owed.callId
        : null;
  if (callId === null) return null;
  const request = events.findLast(
    (event): event is EventOf<"approval_requested"> =>
      event.type === "approval_requested" && event.data.callId === callId,
  );
  return request ? request.data : null;
}
