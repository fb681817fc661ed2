import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";

/** The approvals one agent's threads wait on: how many, and since when the oldest waits. */
export interface WaitingApprovals {
  count: number;
  /**
   * The oldest waiting thread's `updatedAt`: when it asked, unless a queued message was added
   * to it since (a message sent while its step ran), so the age it gives is a lower bound.
   */
  oldestSince: string;
}

/**
 * The threads waiting for an approval, by agent, read from the thread listing alone (the heads,
 * not the events): what the reconciler publishes as `ApprovalsWaiting` and `OldestApprovalAge`.
 * The listing is eventually consistent, so a decision made a moment ago may still count.
 */
export async function waitingApprovals(
  deps: Pick<RuntimeDeps, "store">,
): Promise<Map<string, WaitingApprovals>> {
  const byAgent = new Map<string, WaitingApprovals>();
  for await (const { agent, updatedAt } of threadsIn(deps.store, "waiting_for_approval")) {
    const seen = byAgent.get(agent);
    if (!seen) byAgent.set(agent, { count: 1, oldestSince: updatedAt });
    else {
      seen.count++;
      if (Date.parse(updatedAt) < Date.parse(seen.oldestSince)) seen.oldestSince = updatedAt;
    }
  }
  return byAgent;
}
