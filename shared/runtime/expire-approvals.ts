import type { Agent } from "../core/agent.ts";
import { NotPendingError, ThreadClosedError } from "../core/errors.ts";
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
  const now = deps.clock.now().getTime();
  let checked = 0;
  let expired = 0;
  for await (const summary of threadsIn(deps.store, "waiting_for_approval")) {
    checked++;
    const agent = deps.agents.get(summary.agent);
    // Only threads whose agent has a timed approval tool are worth loading.
    if (!agent?.tools.some((tool) => tool.kind === "approval" && tool.approvalTimeoutMs)) continue;
    const thread = await deps.store.load(summary.threadId);
    const request = thread ? pendingRequest(thread, agent) : null;
    if (!thread || !request || now - Date.parse(request.at) < request.timeout) continue;
    try {
      await respondToThread(
        deps,
        thread.id,
        {
          callId: request.callId,
          approved: false,
          comment: `expired: no decision within ${duration(request.timeout)}`,
        },
        EXPIRY,
      );
      expired++;
    } catch (error) {
      // Decided or cancelled meanwhile.
      if (!(error instanceof NotPendingError || error instanceof ThreadClosedError)) throw error;
    }
  }
  return { checked, expired };
}

/** The approval `thread` waits on, when its tool has a timeout: when it was asked, and the timeout. */
function pendingRequest(
  thread: Thread,
  agent: Agent,
): { callId: string; at: string; timeout: number } | null {
  const pending = derivePending(thread.events);
  if (pending?.kind !== "approval") return null;
  const tool = agent.tool(pending.tool);
  const timeout = tool?.kind === "approval" ? tool.approvalTimeoutMs : undefined;
  if (!timeout) return null;
  // The last request: a fork asks again, and its timeout counts from the fork.
  const request = thread.events.findLast(
    (e) => e.type === "approval_requested" && e.data.callId === pending.callId,
  );
  return request ? { callId: pending.callId, at: request.at, timeout } : null;
}

const duration = (ms: number): string =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000} d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000} h`
      : ms % 60_000 === 0
        ? `${ms / 60_000} min`
        : `${Math.ceil(ms / 1000)} s`;
