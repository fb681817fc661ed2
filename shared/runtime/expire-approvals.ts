import type { Agent } from "../core/agent.ts";
import { NotPendingError, ThreadClosedError } from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import type { HumanReply } from "../core/lifecycle.ts";
import { derivePending, type Thread } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";
import { respondToThread } from "./respond-to-thread.ts";

/** Who rejects an expired approval: the reconciler's scheduled sweep. */
const EXPIRY = { principal: "approval-timeout", via: "schedule" } as const;

/**
 * The reconciler's sweep of approvals nobody decided in time: a request older than its tool's
 * `approvalTimeoutMs` is rejected with a comment saying it expired, and the loop goes on (the
 * model sees the rejection and proposes something else). A person deciding at the same moment
 * races it like any second click: one decision is saved, the other gets 409.
 */
export async function expireApprovals(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock" | "agents">,
): Promise<{ checked: number; expired: number }> {
  let checked = 0;
  let expired = 0;
  for await (const summary of threadsIn(deps.store, "waiting_for_approval")) {
    checked++;
    const agent = deps.agents.get(summary.agent);
    // Only threads whose agent has a timed approval tool are worth loading.
    if (!agent?.tools.some((tool) => tool.kind === "approval" && tool.approvalTimeoutMs)) continue;
    if (await expireIfDue(deps, summary.threadId, EXPIRY)) expired++;
  }
  return { checked, expired };
}

/**
 * Rejects the approval thread `threadId` waits on when it is past its timeout (see
 * `expiredApproval`), and enqueues the step after. True when this call rejected it; false when
 * nothing was due, or a decision or a cancel came first. The sweep's check for one thread, and
 * what `createRunner` does on its next touch of a thread.
 */
export async function expireIfDue(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock" | "agents">,
  threadId: string,
  by: Actor,
  /** What else to expire on the thread as read, when no approval is due (a callback). */
  options: { otherwise?: (thread: Thread) => Promise<boolean> | false } = {},
): Promise<boolean> {
  const thread = await deps.store.load(threadId);
  const agent = thread ? deps.agents.get(thread.agent) : undefined;
  const reply = thread && agent ? expiredApproval(thread, agent, deps.clock.now()) : null;
  if (!reply) return thread && options.otherwise ? options.otherwise(thread) : false;
  try {
    await respondToThread(deps, threadId, reply, by);
    return true;
  } catch (error) {
    // Decided or cancelled meanwhile.
    if (error instanceof NotPendingError || error instanceof ThreadClosedError) return false;
    throw error;
  }
}

/**
 * The rejection of the approval `thread` waits on when nobody decided it within its tool's
 * `approvalTimeoutMs` of its last request (a fork asks again, so it counts from the fork), else
 * null. Pure: the sweep and the runner decide by it alike.
 *
 * @example
 * const reply = expiredApproval(thread, agent, clock.now());
 * if (reply) await respondToThread(deps, thread.id, reply, by);
 */
export function expiredApproval(thread: Thread, agent: Agent, now: Date): HumanReply | null {
  const pending = derivePending(thread.events);
  if (pending?.kind !== "approval") return null;
  const tool = agent.tool(pending.tool);
  const timeout = tool?.kind === "approval" ? tool.approvalTimeoutMs : undefined;
  if (!timeout) return null;
  const request = thread.events.findLast(
    (e) => e.type === "approval_requested" && e.data.callId === pending.callId,
  );
  if (!request || now.getTime() - Date.parse(request.at) < timeout) return null;
  return {
    callId: pending.callId,
    approved: false,
    comment: `expired: no decision within ${duration(timeout)}`,
  };
}

const duration = (ms: number): string =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000} d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000} h`
      : ms % 60_000 === 0
        ? `${ms / 60_000} min`
        : `${Math.ceil(ms / 1000)} s`;
