import {
  CALLBACK_ACTOR,
  CallbackTokenError,
  callbackToStart,
  completeCallback,
  expiredCallback,
  recordCallbackStart,
  reissueCallback,
  threadIdOfToken,
} from "../core/callback.ts";
import {
  isRetryable,
  NotPendingError,
  ThreadNotFoundError,
  VersionConflictError,
} from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import { hashToken } from "../core/hash.ts";
import type { HumanReply } from "../core/lifecycle.ts";
import { runContextOf } from "../core/run-context.ts";
import {
  type CallbackWait,
  deriveCallbackWait,
  deriveStatus,
  parentOf,
  type Status,
  type Thread,
  versionOf,
} from "../core/thread.ts";
import { idempotencyKey } from "../core/tool.ts";
import { compactToolError } from "../core/tool-error.ts";
import { appendEvent, backoffMs } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";
import { respondToThread } from "./respond-to-thread.ts";
import { askedBelow } from "./sub-agents.ts";

type Deps = Pick<RuntimeDeps, "store" | "queue" | "clock" | "agents" | "random">;

/**
 * Answers a callback by its token (`POST /callbacks/{token}`): the token is the credential, so a
 * token that names no wait is `CallbackTokenError` (401) whether its thread exists or not. The
 * body becomes the call's `tool_result` (checked against the tool's `result` schema first:
 * `InvalidCallbackResultError`, nothing written), then the step after is enqueued. A second,
 * different answer, or one after the expiry, is `NotPendingError` (409); the same answer again
 * (a sender's retry) succeeds and is recorded once. An answer racing the expiry sweep is one of
 * two version-checked appends: whichever is saved first stands, the other is refused.
 *
 * @example
 * await answerCallback(deps, token, { status: "passed" });
 */
export async function answerCallback(
  deps: Deps,
  token: string,
  body: unknown,
  by: Actor = CALLBACK_ACTOR,
): Promise<{ threadId: string; status: Status }> {
  const threadId = threadIdOfToken(token);
  if (!threadId) throw new CallbackTokenError();
  try {
    return await complete(deps, threadId, { token }, body, by);
  } catch (error) {
    // The token is the credential: a thread that does not exist is as unknown as a wrong secret.
    if (error instanceof ThreadNotFoundError) throw new CallbackTokenError();
    throw error;
  }
}

/**
 * Answers the callback call `callId` of `threadId` with an API key (`POST /threads/{id}/responses`
 * with `{ callId, result }`): as `answerCallback`, without the token.
 */
export async function answerCallbackCall(
  deps: Deps,
  threadId: string,
  callId: string,
  body: unknown,
  by?: Actor,
): Promise<{ threadId: string; status: Status }> {
  return complete(deps, threadId, { callId }, body, by ?? CALLBACK_ACTOR);
}

/** The result of a callback tool's call, given by its call id (with a key's authority). */
export interface CallbackReply {
  callId: string;
  result: unknown;
}

/**
 * Any answer to the call a thread waits on, by its shape: a callback's `result`
 * (`answerCallbackCall`), or a person's decision or response (`respondToThread`). What the API's
 * responses route, signed webhooks and the inbox queue call alike.
 *
 * @example
 * await answerCall(deps, threadId, { callId: "call_3", result: { status: "passed" } }, by);
 */
export async function answerCall(
  deps: Deps,
  threadId: string,
  reply: HumanReply | CallbackReply,
  by?: Actor,
): Promise<{ threadId: string; status: Status }> {
  try {
    return "result" in reply
      ? await answerCallbackCall(deps, threadId, reply.callId, reply.result, by)
      : await respondToThread(deps, threadId, reply, by);
  } catch (cause) {
    // A root waiting on its tree: name the child that asks, where the answer belongs.
    if (cause instanceof NotPendingError)
      throw (await askedBelow(deps, threadId, reply.callId)) ?? cause;
    throw cause;
  }
}

async function complete(
  deps: Deps,
  threadId: string,
  match: { token: string } | { callId: string },
  body: unknown,
  by: Actor,
): Promise<{ threadId: string; status: Status }> {
  const { saved, head } = await appendEvent(deps, threadId, (thread) =>
    completeCallback(thread, match, body, {
      agent: deps.agents.get(thread.agent),
      clock: deps.clock,
      by,
    }),
  );
  // A repeat finds the thread running when the first answer died between its append and its
  // enqueue: send the step it owed (a duplicate step message is dropped).
  if (head.status === "running") {
    await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  }
  return { threadId, status: head.status };
}

/** Who closes an expired callback: the reconciler's sweep (or the runner's next touch). */
const EXPIRY: Actor = { principal: "callback-timeout", via: "schedule" };

/**
 * The reconciler's sweep of callbacks past their `expiresAt`: each becomes a compact error the
 * model reads ("callback expired") and the loop goes on. An answer at the same moment races it
 * with a version-checked append; one is saved, the other refused.
 */
export async function expireCallbacks(deps: Deps): Promise<{ checked: number; expired: number }> {
  let checked = 0;
  let expired = 0;
  for await (const summary of threadsIn(deps.store, "waiting_for_callback")) {
    checked++;
    if (await expireCallbackIfDue(deps, summary.threadId)) expired++;
  }
  return { checked, expired };
}

/**
 * Closes the callback `threadId` waits on when it is past its expiry, and enqueues the step
 * after. True when this call closed it; false when nothing was due or an answer came first.
 */
export async function expireCallbackIfDue(
  deps: Deps,
  threadId: string,
  by: Actor = EXPIRY,
): Promise<boolean> {
  try {
    const { saved, appended } = await appendEvent(deps, threadId, (thread) => {
      const event = expiredCallback(thread, deps.clock.now());
      return event ? { ...event, by } : null;
    });
    if (appended) await deps.queue.enqueue({ threadId, version: versionOf(saved) });
    return appended;
  } catch (error) {
    if (error instanceof ThreadNotFoundError) return false;
    throw error;
  }
}

/** What running a callback's `start` needs beyond the answer verbs: its URL, the notice. */
export type StartDeps = Deps & Pick<RuntimeDeps, "callbackUrl" | "notifier" | "threadLink">;

/**
 * Runs a callback tool's `start` once its wait is saved (`saved` holds it), with the token the
 * step minted. When `start` returns, a `callback_started` records that the token is out (one
 * more small append), and the wait's notice is published. A `start` that throws closes the call
 * with a compact error the model reads, and the loop goes on; when the callback was answered
 * meanwhile, that answer stands. A crash before the record leaves a wait whose `start` is owed:
 * the redelivered step issues a new token and runs `start` again (`restartCallback`).
 */
export async function startCallback(
  deps: StartDeps,
  saved: Thread,
  wait: CallbackWait,
  token: string,
): Promise<void> {
  const agent = deps.agents.get(saved.agent);
  const tool = agent?.tool(wait.tool);
  if (!agent || tool?.kind !== "callback") return;
  const url = deps.callbackUrl?.(token) ?? `/callbacks/${token}`;
  const hash = hashToken(token);
  try {
    await tool.start(wait.args as Record<string, unknown>, {
      threadId: saved.id,
      callId: wait.callId,
      idempotencyKey: idempotencyKey(saved.id, wait.callId),
      runContext: runContextOf(agent, saved),
      callback: { url, token },
    });
  } catch (cause) {
    const { model, detail } = compactToolError(cause);
    // Only the start of the live token closes the call: one issued again since stands.
    const { saved: after, appended } = await appendEvent(deps, saved.id, (thread) =>
      deriveCallbackWait(thread.events)?.tokenHash === hash
        ? {
            type: "error",
            at: deps.clock.now().toISOString(),
            data: {
              code: "tool_failed",
              message: `${tool.name} failed: ${model}`,
              callId: wait.callId,
              tool: tool.name,
              detail,
            },
          }
        : null,
    ).catch(closedThread(saved));
    if (appended) await deps.queue.enqueue({ threadId: saved.id, version: versionOf(after) });
    return;
  }
  const { saved: after, appended } = await recordStart(deps, () =>
    appendEvent(deps, saved.id, (thread) =>
      recordCallbackStart(thread, wait.callId, hash, deps.clock),
    ).catch(closedThread(saved)),
  );
  if (appended) await announceCallback(deps, after);
}

/** Tries of the `callback_started` record before its error is thrown (conflicts retry within). */
export const START_RECORD_ATTEMPTS = 3;

/**
 * `record` again, with backoff, after an error worth another attempt (a throttle, a dropped
 * connection: `isRetryable`, conflicts aside, which `appendEvent` retries already), at most
 * `START_RECORD_ATTEMPTS` times: a `start` that ran and is not recorded is run again by the
 * redelivered step, under a new token.
 */
async function recordStart<T>(
  deps: Pick<RuntimeDeps, "random">,
  record: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await record();
    } catch (error) {
      const again =
        isRetryable(error) &&
        !(error instanceof VersionConflictError) &&
        attempt < START_RECORD_ATTEMPTS;
      if (!again) throw error;
    }
    const wait = backoffMs(attempt, deps.random ?? Math.random);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Issues the wait of `threadId` again when its `start` is owed (`callbackToStart`: the process
 * died between saving the wait and `start`, or the thread is a fork that copied another thread's
 * wait): a new token and expiry (`callback_requested`; the old token still answers), then `start`
 * once more, with the same idempotency key. True when it did.
 *
 * @example
 * await restartCallback(deps, fork.id); // the fork's own token, handed to `start`
 */
export async function restartCallback(
  deps: StartDeps & Pick<RuntimeDeps, "ids">,
  threadId: string,
  /**
   * The token hash of the owed wait the caller saw: issued again only while that wait is still
   * the one owed, so two callers racing (the sweep and a redelivery, two sweeps) issue it once.
   */
  seen?: string,
): Promise<boolean> {
  let issued: { wait: CallbackWait; token: string } | undefined;
  const { saved, appended } = await appendEvent(deps, threadId, (thread) => {
    if (seen !== undefined && callbackToStart(thread)?.tokenHash !== seen) return null;
    const again = reissueCallback(thread, {
      agent: deps.agents.get(thread.agent),
      clock: deps.clock,
      secret: deps.ids.callbackSecret,
    });
    issued = again ?? undefined;
    return again?.event ?? null;
  });
  if (!appended || !issued) return false;
  await startCallback(deps, saved, issued.wait, issued.token);
  return true;
}

/**
 * Publishes the callback wait of `thread` (`thread.waiting_for_callback`): the tool, its
 * arguments and the expiry, never the token. At-least-once: a redelivered step publishes again
 * under the same id.
 */
export async function announceCallback(
  deps: Pick<RuntimeDeps, "notifier" | "threadLink">,
  thread: Thread,
): Promise<void> {
  if (!deps.notifier.callbackWaiting) return;
  const wait = deriveCallbackWait(thread.events);
  if (!wait) return;
  const request = thread.events.findLastIndex(
    (event) => event.type === "callback_requested" && event.data.callId === wait.callId,
  );
  const parent = parentOf(thread.events);
  await deps.notifier.callbackWaiting({
    id: `${thread.id}:${wait.callId}:${request + 1}`,
    threadId: thread.id,
    agent: thread.agent,
    status: "waiting_for_callback",
    callId: wait.callId,
    tool: wait.tool,
    args: wait.args,
    expiresAt: wait.expiresAt,
    link: deps.threadLink(thread.id),
    ...(parent
      ? {
          root: {
            threadId: parent.rootThreadId,
            link: deps.threadLink(parent.rootThreadId),
          },
        }
      : {}),
  });
}

/**
 * The reconciler's sweep of waits whose `start` never ran: each thread `waiting_for_callback`
 * that has not moved for `staleAfterMs` and still owes its `start` (`callbackToStart`: every
 * delivery of its step died between the save and `start`, and the message is gone) has its wait
 * issued again (`restartCallback`: a new token and expiry, `start` run with the same idempotency
 * key). The grace keeps it off a step that is saving and starting the wait right now; a `start`
 * that runs longer than it may run twice, under the same key.
 *
 * @example
 * await restartOwedCallbacks(deps, { staleAfterMs: 5 * 60_000 }); // { checked, restarted }
 */
export async function restartOwedCallbacks(
  deps: StartDeps & Pick<RuntimeDeps, "ids">,
  options: { staleAfterMs: number },
): Promise<{ checked: number; restarted: number }> {
  const cutoff = deps.clock.now().getTime() - options.staleAfterMs;
  let checked = 0;
  let restarted = 0;
  for await (const summary of threadsIn(deps.store, "waiting_for_callback")) {
    checked++;
    if (Date.parse(summary.updatedAt) > cutoff) continue;
    const thread = await deps.store.load(summary.threadId);
    // The listing is eventually consistent: trust only the thread itself.
    if (!thread || deriveStatus(thread.events) !== "waiting_for_callback") continue;
    const owed = callbackToStart(thread);
    if (!owed) continue;
    try {
      if (await restartCallback(deps, thread.id, owed.tokenHash)) restarted++;
    } catch (error) {
      if (!(error instanceof ThreadNotFoundError)) throw error;
    }
  }
  return { checked, restarted };
}

/** A thread deleted under a callback's start: nothing more to record. */
const closedThread =
  (saved: Thread) =>
  (error: unknown): { saved: Thread; appended: false } => {
    if (error instanceof ThreadNotFoundError) return { saved, appended: false };
    throw error;
  };
