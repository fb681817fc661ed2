import * as z from "zod";
import type { Agent } from "./agent.ts";
import {
  ConfigError,
  NotPendingError,
  registerErrorNames,
  ThreadClosedError,
  TwelveError,
} from "./errors.ts";
import type { Actor, EventOf, ThreadEvent } from "./events.ts";
import { canonicalJson, hashToken } from "./hash.ts";
import type { Clock } from "./ports.ts";
import { type CallbackWait, deriveCallbackWait, deriveStatus, type Thread } from "./thread.ts";
import type { Tool } from "./tool.ts";

/**
 * Callback tools (`kind: "callback"`) as pure decisions: what a completion appends (or refuses),
 * and when a wait has expired. The runtime does the loading and the version-checked append.
 */

/** A callback token that names no wait of its thread (forged, mistyped, or of a deleted thread). */
export class CallbackTokenError extends TwelveError {
  constructor(message = "unknown callback token") {
    super(message, { code: "invalid_callback_token" });
  }
}

/** A callback's body that does not pass its tool's `result` schema: nothing is written. */
export class InvalidCallbackResultError extends TwelveError {
  /** The first field at fault, as a dotted path (`(root)` for the body itself). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message, { code: "invalid_result" });
    this.field = field;
  }
}
registerErrorNames({ CallbackTokenError, InvalidCallbackResultError });

/**
 * The thread id a token carries: a token is `<threadId>.<secret>`, so a completion finds its
 * thread with one read and no index; the secret (128 random bits) is the credential, and the
 * thread keeps only the hash of the whole token. `null` for a token of another shape.
 */
export function threadIdOfToken(token: string): string | null {
  const dot = token.lastIndexOf(".");
  if (dot < 1 || dot === token.length - 1) return null;
  return token.slice(0, dot);
}

/**
 * A new wait for call `callId` of a callback tool in thread `threadId`: its `callback_requested`
 * (the sha256 of a fresh token `<threadId>.<secret>`, and an expiry `timeoutMs` from `now`), the
 * wait as derived from it, and the token, which the runtime hands to `start` once the event is
 * saved and never stores. `secret` is 128 random bits of the runtime's (`ConfigError` without it).
 *
 * @example
 * const { event, token } = callbackRequest(thread.id, tool, "call_3", args, { clock, secret });
 */
export function callbackRequest(
  threadId: string,
  tool: Extract<Tool, { kind: "callback" }>,
  callId: string,
  args: unknown,
  context: { clock: Clock; secret: (() => string) | undefined },
): { event: EventOf<"callback_requested">; wait: CallbackWait; token: string } {
  const secret = context.secret?.();
  if (!secret) {
    throw new ConfigError(
      `tool "${tool.name}" is a callback tool, and this host hands the step no callbackSecret`,
    );
  }
  const token = `${threadId}.${secret}`;
  const now = context.clock.now();
  const expiresAt = new Date(now.getTime() + tool.timeoutMs).toISOString();
  const data = { callId, tool: tool.name, args, tokenHash: hashToken(token), expiresAt };
  const at = now.toISOString();
  return { event: { type: "callback_requested", at, data }, wait: { ...data, at }, token };
}

/**
 * The wait of `thread` whose `start` is owed, or null: the wait it is in, when no
 * `callback_started` of its call follows its last request (the process died between saving the
 * wait and `start`, or it is in between right now), or when that request was copied from
 * another thread by a fork (its token names the source: a fork never inherits a callback wait).
 * Either way the thread holds no record that a token of its own was handed to `start`;
 * `reissueCallback` makes a new one.
 *
 * @example
 * if (callbackToStart(thread)) await restartCallback(deps, thread.id);
 */
export function callbackToStart(thread: Thread): CallbackWait | null {
  const wait = deriveCallbackWait(thread.events);
  if (!wait) return null;
  const request = thread.events.findLastIndex(
    (event) => event.type === "callback_requested" && event.data.callId === wait.callId,
  );
  if (request < (thread.forkedFrom?.version ?? 0)) return wait;
  const started = thread.events
    .slice(request + 1)
    .some((event) => event.type === "callback_started" && event.data.callId === wait.callId);
  return started ? null : wait;
}

/**
 * A new token for the wait whose `start` is owed (`callbackToStart`): a `callback_requested` for
 * the same call, with the hash of a fresh token naming `thread` and a new expiry, which replaces
 * the old request (its token, if it ever left the process, still answers the call). Null when no
 * start is owed, or the call's tool is no longer a callback tool of the agent (the wait then
 * expires as it is).
 *
 * @example
 * const again = reissueCallback(thread, { agent, clock, secret: ids.callbackSecret });
 * if (again) await store.append(thread, [again.event], deriveHead([...thread.events, again.event]));
 */
export function reissueCallback(
  thread: Thread,
  context: { agent: Agent | undefined; clock: Clock; secret: (() => string) | undefined },
): { event: EventOf<"callback_requested">; wait: CallbackWait; token: string } | null {
  const wait = callbackToStart(thread);
  if (!wait) return null;
  const tool = context.agent?.tool(wait.tool);
  if (tool?.kind !== "callback") return null;
  return callbackRequest(thread.id, tool, wait.callId, wait.args, context);
}

/**
 * The record that call `callId`'s `start` ran with the token whose hash is `tokenHash`, or null
 * when that token is no longer the wait's (another delivery issued a newer one, or the wait was
 * answered or closed meanwhile): only the live token's start counts.
 */
export function recordCallbackStart(
  thread: Thread,
  callId: string,
  tokenHash: string,
  clock: Clock,
): EventOf<"callback_started"> | null {
  const wait = callbackToStart(thread);
  if (wait?.callId !== callId || wait.tokenHash !== tokenHash) return null;
  return { type: "callback_started", at: clock.now().toISOString(), data: { callId } };
}

/** Who answers a callback: the outside world, by the token (`via: "callback"`). */
export const CALLBACK_ACTOR: Actor = { principal: "callback", via: "callback" };

/**
 * The `tool_result` that completes a callback of `thread`, found by its token (`{ token }`, the
 * `POST /callbacks/{token}` route) or by its call (`{ callId }`, an API key's
 * `POST /threads/{id}/responses`); `null` when the thread holds this very result for that call
 * already (a sender's retry: answered as a success, recorded once).
 *
 * Throws `CallbackTokenError` for a token no wait of the thread was given; `ThreadClosedError`
 * on a cancelled or failed thread; `NotPendingError` when the call was answered otherwise, has
 * expired (at `expiresAt`, even before the sweep closes it), is not a callback the thread waits
 * on, or when the token was copied from the source by a fork (it answers the source only);
 * `InvalidCallbackResultError` for a body its tool's `result` schema refuses. A token replaced
 * by a newer request for the same live call (`reissueCallback`) still answers it, with the
 * newest request's expiry.
 *
 * @example
 * const event = completeCallback(thread, { token }, body, { agent, clock });
 * if (event) await store.append(thread, [event], deriveHead([...thread.events, event]));
 */
export function completeCallback(
  thread: Thread,
  match: { token: string } | { callId: string },
  body: unknown,
  context: { agent: Agent | undefined; clock: Clock; by?: Actor },
): ThreadEvent | null {
  const request = requestOf(thread, match);
  const { callId, tool, expiresAt } = request.data;
  const answer = answerOf(thread, callId, request);
  const result = parseResult(context.agent, tool, body);
  if (
    answer?.type === "tool_result" &&
    canonicalJson(answer.data.result) === canonicalJson(result)
  ) {
    return null;
  }
  const status = deriveStatus(thread.events);
  if (status === "cancelled" || status === "failed") {
    throw new ThreadClosedError(
      thread.id,
      status,
      `thread ${thread.id} is ${status}: its callback ${callId} can no longer be answered`,
    );
  }
  if (answer) {
    throw new NotPendingError(
      thread.id,
      callId,
      answer.type === "error" && answer.data.code === "callback_expired"
        ? `callback ${callId} expired at ${expiresAt}`
        : `callback ${callId} was answered already`,
    );
  }
  if (deriveCallbackWait(thread.events)?.callId !== callId) {
    throw new NotPendingError(thread.id, callId, `thread is not waiting on callback ${callId}`);
  }
  if (context.clock.now().getTime() >= Date.parse(expiresAt)) {
    throw new NotPendingError(thread.id, callId, `callback ${callId} expired at ${expiresAt}`);
  }
  return {
    type: "tool_result",
    at: context.clock.now().toISOString(),
    by: context.by ?? CALLBACK_ACTOR,
    data: { callId, tool, result: result ?? null },
  };
}

/**
 * The compact error that closes the callback `thread` waits on once it is past its `expiresAt`,
 * else null. The model reads it ("callback expired") and the loop goes on.
 *
 * @example
 * const event = expiredCallback(thread, clock.now());
 */
export function expiredCallback(thread: Thread, now: Date): EventOf<"error"> | null {
  const wait = deriveCallbackWait(thread.events);
  if (!wait || now.getTime() < Date.parse(wait.expiresAt)) return null;
  const waited = Date.parse(wait.expiresAt) - Date.parse(wait.at);
  return {
    type: "error",
    at: now.toISOString(),
    data: {
      code: "callback_expired",
      message: `${wait.tool} failed: the callback expired (no answer within ${Math.round(waited / 1000)} s)`,
      callId: wait.callId,
      tool: wait.tool,
    },
  };
}

/**
 * The wait a completion names, or the refusal: an unknown token, a call that never waited, a
 * token copied from the source by a fork. A token of a request issued again since (a restart, a
 * fork) still names its call: the newest request of that call is the one answered, with its expiry.
 */
function requestOf(
  thread: Thread,
  match: { token: string } | { callId: string },
): EventOf<"callback_requested"> {
  if ("callId" in match) {
    const request = thread.events.findLast(
      (event): event is EventOf<"callback_requested"> =>
        event.type === "callback_requested" && event.data.callId === match.callId,
    );
    if (request) return request;
    throw new NotPendingError(thread.id, match.callId, `call ${match.callId} is not a callback`);
  }
  const hash = hashToken(match.token);
  const index = thread.events.findLastIndex(
    (event) => event.type === "callback_requested" && event.data.tokenHash === hash,
  );
  const request = thread.events[index];
  if (request?.type !== "callback_requested") throw new CallbackTokenError();
  if (index < (thread.forkedFrom?.version ?? 0)) {
    throw new NotPendingError(
      thread.id,
      request.data.callId,
      `this token of callback ${request.data.callId} names the thread this one was forked from`,
    );
  }
  return newestRequestOf(thread.events, index, request);
}

/**
 * The last request of `request`'s call issued before that call was answered: `request` itself,
 * or one that replaced it (`reissueCallback`). Every token of those answers the call.
 */
function newestRequestOf(
  events: readonly ThreadEvent[],
  index: number,
  request: EventOf<"callback_requested">,
): EventOf<"callback_requested"> {
  const { callId } = request.data;
  let newest = request;
  for (const event of events.slice(index + 1)) {
    if (event.type === "callback_requested" && event.data.callId === callId) newest = event;
    else if (
      (event.type === "tool_result" || event.type === "error") &&
      event.data.callId === callId
    ) {
      break;
    }
  }
  return newest;
}

/** What answered the request's call since the request (its result, an error), if anything. */
function answerOf(
  thread: Thread,
  callId: string,
  request: ThreadEvent,
): EventOf<"tool_result"> | EventOf<"error"> | undefined {
  const from = thread.events.lastIndexOf(request);
  return thread.events
    .slice(from + 1)
    .find(
      (event): event is EventOf<"tool_result"> | EventOf<"error"> =>
        (event.type === "tool_result" || event.type === "error") && event.data.callId === callId,
    );
}

/** The body parsed by the tool's `result` schema (any JSON when it has none). */
function parseResult(agent: Agent | undefined, toolName: string, body: unknown): unknown {
  const tool = agent?.tool(toolName);
  const schema = tool?.kind === "callback" ? tool.result : undefined;
  if (!schema) return body;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const field = issue.path.join(".") || "(root)";
  throw new InvalidCallbackResultError(
    field,
    `the callback's body does not match ${toolName}'s result: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}`,
  );
}
