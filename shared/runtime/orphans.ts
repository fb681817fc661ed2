import type { Agent } from "../core/agent.ts";
import { childAgentOf } from "../core/agent-tool.ts";
import { ThreadClosedError, ThreadNotFoundError } from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import { launchLinkOf, orphanFate } from "../core/sub-agents.ts";
import { parentOf, type Status, type Thread } from "../core/thread.ts";
import { cancelThread } from "./cancel-thread.ts";
import { deleteThread } from "./delete-thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";
import { MAX_WALK } from "./sub-agents.ts";

type Deps = Pick<RuntimeDeps, "agents" | "store" | "queue" | "clock" | "random">;

/** Who the sweep's cancellations name. */
export const RECONCILER: Actor = { principal: "reconciler", via: "schedule" };

/** The statuses a child can be orphaned in: the ones that still run or wait. */
const mayBeOrphaned = {
  running: true,
  waiting_for_approval: true,
  waiting_for_human: true,
  waiting_for_agent: true,
  waiting_for_callback: true,
  done: false,
  failed: false,
  cancelled: false,
} as const satisfies Record<Status, boolean>;

const sweptStatuses = (Object.keys(mayBeOrphaned) as Status[]).filter((s) => mayBeOrphaned[s]);

/**
 * The reconciler's sweep of orphaned children: every child thread that runs or waits, idle for
 * `staleAfterMs`, whose parent no longer waits for it (cancelled, failed, done, or its call has
 * an outcome already), or whose parent or root was cancelled (a child a person reopened too),
 * is cancelled by the reconciler, down its own tree, with the writes a
 * cancel makes (version-checked: a step or a person racing it wins or loses cleanly); one whose
 * parent is gone is deleted with its children (see `orphanFate`). This finishes what a crash
 * cut short: a cancel cascade, a delete, and a child a step created behind a delete.
 *
 * Its cost: the listing of the statuses that run or wait, then one read of each idle thread of an
 * agent that some served agent calls as a tool (only those can be children), and one of each
 * such child's parent (and root, when deeper). A deployment without agent tools lists nothing.
 */
export async function reconcileOrphans(
  deps: Deps,
  options: { staleAfterMs: number },
): Promise<{ checked: number; cancelled: number; deleted: number }> {
  const cutoff = deps.clock.now().getTime() - options.staleAfterMs;
  const result = { checked: 0, cancelled: 0, deleted: 0 };
  const children = calledAgents(deps.agents);
  if (children.size === 0) return result; // no agent tools: no children to sweep
  for (const status of sweptStatuses) {
    for await (const summary of threadsIn(deps.store, status)) {
      // Only a thread of an agent some agent calls can be a child: no read for the rest.
      if (!children.has(summary.agent)) continue;
      result.checked++;
      if (Date.parse(summary.updatedAt) > cutoff) continue;
      const child = await deps.store.load(summary.threadId);
      const link = child && parentOf(child.events);
      if (!link) continue;
      const parent = await deps.store.load(link.threadId);
      // A grandchild's root is read too: a cancelled root stops the whole tree.
      const root = await rootByLaunches(deps, parent, link.rootThreadId);
      const fate = orphanFate(child, parent, root);
      switch (fate.fate) {
        case "keep":
          break;
        case "cancel":
          if (await cancelOrphan(deps, child.id, fate.reason)) result.cancelled++;
          break;
        case "delete":
          if (await deleteThread(deps, child.id)) result.deleted++;
          break;
        default: {
          const unknown: never = fate;
          throw new TypeError(`unknown fate ${JSON.stringify(unknown)}`);
        }
      }
    }
  }
  return result;
}

/** The names of the agents that served agents call as tools (`agentTool`). */
function calledAgents(agents: ReadonlyMap<string, Agent>): Set<string> {
  const names = new Set<string>();
  for (const agent of agents.values()) {
    for (const tool of agent.tools) if (tool.kind === "agent") names.add(childAgentOf(tool).name);
  }
  return names;
}

/** Cancels an orphan; `false` when it ended or went meanwhile (nothing to do). */
async function cancelOrphan(deps: Deps, threadId: string, reason: string): Promise<boolean> {
  try {
    await cancelThread(deps, threadId, { reason, by: RECONCILER });
    return true;
  } catch (cause) {
    if (cause instanceof ThreadNotFoundError || cause instanceof ThreadClosedError) return false;
    throw cause;
  }
}

/**
 * The root a thread's launches lead to: walked up from `parent` through the calls that launched
 * each thread, and only if it ends at `rootId`. A person's fork of a child copied the child's
 * link to the old root, but no call launched the fork: its own children are no part of that
 * tree, and a cancel of the old root does not stop them (undefined).
 */
async function rootByLaunches(
  deps: Deps,
  parent: Thread | undefined,
  rootId: string,
): Promise<Thread | undefined> {
  let thread = parent;
  for (let i = 0; thread && i < MAX_WALK; i++) {
    const link = launchLinkOf(thread);
    if (!link) return thread.id === rootId ? thread : undefined;
    thread = await deps.store.load(link.threadId);
  }
  return undefined;
}
