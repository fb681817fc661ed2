import {
  AnswerNotAllowedError,
  ApprovalPendingError,
  QueueFullError,
  ThreadBusyError,
  ThreadClosedError,
} from "./errors.ts";
import type { Actor, ThreadEvent } from "./events.ts";
import type { Clock } from "./ports.ts";
import { derivePending, deriveStatus, type Thread, type WaitingMessage } from "./thread.ts";

/** Messages a running thread may hold waiting for its step in flight (`ifRunning: "enqueue"`). */
export const MAX_QUEUED_MESSAGES = 20;
/**
 * Bytes (UTF-8 text of the messages) a thread may hold waiting: they live in the thread's one
 * meta item in DynamoDB, which holds at most 400 KB.
 */
export const MAX_QUEUED_BYTES = 128 * 1024;

/** What a message does to a thread whose step is in flight. */
export const ifRunningPolicies = ["enqueue", "reject", "interrupt"] as const;
export type IfRunning = (typeof ifRunningPolicies)[number];

/** What a person's message does now: add `event` to the thread, or wait beside it in the store. */
export type MessageDecision = { type: "append"; event: ThreadEvent } | { type: "enqueue" };

/**
 * What a person's message does to a thread (factor 6), by the thread's status:
 * - `done`: a `user_message`, the next turn (the step cap counts from it);
 * - `waiting_for_human`: the answer to the pending question, or `AnswerNotAllowedError` when the
 *   sender may not answer it (`mayAnswer: false`: a key that may message but not decide);
 * - `waiting_for_approval`: `ApprovalPendingError`, naming the call: a decision comes first;
 * - `waiting_for_callback`: a `user_message`; the call still waits, and the model reads the
 *   message in the step after its answer;
 * - `failed`, `cancelled`: `ThreadClosedError`;
 * - `running`, by `ifRunning`: `enqueue` waits in the store beside the thread (`Thread.queued`)
 *   until the next append delivers it (`withQueued`), or throws `QueueFullError` when the thread
 *   holds `MAX_QUEUED_MESSAGES` or `MAX_QUEUED_BYTES` waiting already; `interrupt` is a
 *   `user_message` now, so the step in flight loses its append and the next step sees the
 *   message; `reject` throws `ThreadBusyError`;
 * - `waiting_for_agent` (a child thread runs): the message waits beside the thread, as `enqueue`
 *   does, until the child's end is appended (a child cannot be interrupted from its parent);
 *   `reject` throws `ThreadBusyError`.
 *
 * @example
 * const decision = message(thread, { message: "And times 3?", ifRunning: "enqueue" }, clock);
 */
export function message(
  thread: Thread,
  input: { message: string; ifRunning: IfRunning; by?: Actor; mayAnswer?: boolean },
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
    case "waiting_for_callback": // kept: the model reads it after the callback's answer
      return userMessage();
    case "waiting_for_human": {
      const callId = derivePending(thread.events)?.callId ?? "";
      if (input.mayAnswer === false) {
        throw new AnswerNotAllowedError(
          thread.id,
          `thread ${thread.id} waits for a person's answer on call ${callId}: answering it needs decide`,
        );
      }
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
    case "waiting_for_agent":
      if (input.ifRunning === "reject") {
        throw new ThreadBusyError(
          thread.id,
          `thread ${thread.id} waits for a child agent (ifRunning reject): send the message once it pauses or finishes, or with ifRunning enqueue`,
        );
      }
      roomFor(thread, input.message);
      return { type: "enqueue" };
    case "running":
      switch (input.ifRunning) {
        case "interrupt":
          return userMessage();
        case "enqueue":
          roomFor(thread, input.message);
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

/** Throws `QueueFullError` unless `thread` has room for one more waiting message. */
function roomFor(thread: Thread, text: string): void {
  const waiting = thread.queued ?? [];
  const bytes = waiting.reduce((sum, queued) => sum + bytesOf(queued.message), bytesOf(text));
  if (waiting.length < MAX_QUEUED_MESSAGES && bytes <= MAX_QUEUED_BYTES) return;
  throw new QueueFullError(
    thread.id,
    `thread ${thread.id} holds ${waiting.length} messages waiting for its step in flight ` +
      `(at most ${MAX_QUEUED_MESSAGES} messages, ${MAX_QUEUED_BYTES} bytes): send it once the ` +
      "step is saved, or with ifRunning interrupt",
  );
}

const encoder = new TextEncoder();
const bytesOf = (text: string): number => encoder.encode(text).length;

/**
 * The event a queued message (`ifRunning: "enqueue"`) adds once the step it waited behind is
 * saved, or `null` when it is dropped. It does what it would do if sent now, except that it can
 * no longer be refused with a status code:
 * - `running`, `done`, `waiting_for_approval`, `waiting_for_agent`: a `user_message` (a pending
 *   approval or child stays pending; the model sees the message in the step after its outcome);
 * - `waiting_for_human`: the answer to the pending question, unless its sender may not answer
 *   (`mayAnswer: false`): then a `user_message`, and the question stays pending;
 * - `failed`, `cancelled`: `null`, since a closed thread takes nothing more.
 *
 * @example
 * const event = queuedMessage(thread, { message: "also check staging", at });
 */
export function queuedMessage(
  thread: Thread,
  queued: { message: string; at: string; by?: Actor; mayAnswer?: false },
): ThreadEvent | null {
  const status = deriveStatus(thread.events);
  const { at } = queued;
  const who = queued.by ? { by: queued.by } : {};
  switch (status) {
    case "running":
    case "done":
    case "waiting_for_approval":
    case "waiting_for_agent":
    case "waiting_for_callback":
      return { type: "user_message", at, ...who, data: { message: queued.message } };
    case "waiting_for_human": {
      if (queued.mayAnswer === false) {
        return { type: "user_message", at, ...who, data: { message: queued.message } };
      }
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

/**
 * What an append writes when the thread it read holds queued messages (`read.queued`): the
 * writer's `events`, then each queued message, oldest first, as `queuedMessage` decides on the
 * thread as it stands by then (the first may answer a question the events just asked). Every
 * append that moves the thread delivers them all, so no thread pauses or ends with a message
 * waiting. On a thread the events close (`failed`, `cancelled`), which takes nothing more, each
 * message goes in just before the closing event instead: kept in the record, never read as a
 * reply to the closed thread, and seen by the model if an operator retries a failed thread.
 *
 * @example
 * const all = withQueued(thread, events);
 * await store.append(thread, all, deriveHead([...thread.events, ...all]));
 */
export function withQueued(read: Thread, events: readonly ThreadEvent[]): ThreadEvent[] {
  const out = [...events];
  for (const queued of read.queued ?? []) {
    const thread: Thread = { ...read, events: [...read.events, ...out] };
    const event = queuedMessage(thread, queued);
    if (event) out.push(event);
    else out.splice(Math.max(0, closingIndex(out)), 0, asRecord(queued));
  }
  return out;
}

/** The message kept as a `user_message` on a closed thread. */
const asRecord = (queued: WaitingMessage): ThreadEvent => ({
  type: "user_message",
  at: queued.at,
  ...(queued.by ? { by: queued.by } : {}),
  data: { message: queued.message },
});

/**
 * Where the event that closed the thread sits among `events`; -1 when it was closed before them,
 * which cannot be: a message waits only on a running thread, and the append that closes it
 * delivers it.
 */
const closingIndex = (events: readonly ThreadEvent[]): number =>
  events.findIndex((event) => event.type === "cancelled" || event.type === "failed");
