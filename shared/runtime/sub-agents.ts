import { childAgentOf } from "../core/agent-tool.ts";
import {
  NotPendingError,
  ThreadClosedError,
  ThreadNotFoundError,
  VersionConflictError,
} from "../core/errors.ts";
import type { Actor, ThreadEvent } from "../core/events.ts";
import { InvalidMetadataError } from "../core/run-context.ts";
import { childEndOf, childOutcome, childThread } from "../core/sub-agents.ts";
import {
  type CallbackWait,
  callbackShown,
  childThreadId,
  deriveAwaitedChild,
  deriveHead,
  derivePending,
  deriveStatus,
  type Pending,
  parentOf,
  type Status,
  type Thread,
  versionOf,
} from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";
import { threadsIn } from "./list-status.ts";

/**
 * Sub-agents, the I/O side: launching the child a thread waits on, handing a child's end to its
 * parent exactly once, cancelling and deleting a tree, and reading the descendants a root waits
 * on. The decisions are the core's (shared/core/sub-agents.ts); every write is conditional.
 */

type Deps = Pick<RuntimeDeps, "agents" | "store" | "queue" | "clock" | "random" | "traceId">;

/** The deepest a tree is walked: far past any `maxDepth`, so a corrupt link cannot loop. */
export const MAX_WALK = 32;

/**
 * Launches the child thread `parent` waits on and enqueues its first step. Idempotent: the
 * child's id is derived from the parent's and the call's, so a second launch (a redelivered step,
 * a crash between the parent's write and this) finds the child the first made, enqueues it again
 * if it runs (the queue deduplicates), and hands its end over if it ended already. A child that
 * cannot be launched (its agent is no longer served) ends the call with a compact error.
 */
export async function launchChild(deps: Deps, parent: Thread): Promise<void> {
  if (deriveStatus(parent.events) !== "waiting_for_agent") return;
  const request = deriveAwaitedChild(parent.events);
  if (!request) return;
  const tool = deps.agents.get(parent.agent)?.tool(request.tool);
  const agent =
    deps.agents.get(request.agent) ?? (tool?.kind === "agent" ? childAgentOf(tool) : undefined);
  if (!agent) {
    await failCall(deps, parent.id, request.callId, `agent "${request.agent}" is not served here`);
    return;
  }
  let child: Thread;
  try {
    child = childThread(parent, request, agent, deps.clock, deps.traceId?.());
  } catch (cause) {
    // The child's run context was made stricter since the call was checked.
    if (!(cause instanceof InvalidMetadataError)) throw cause;
    await failCall(deps, parent.id, request.callId, `${request.tool} failed: ${cause.message}`);
    return;
  }
  let stored: Thread | undefined;
  try {
    stored = (await deps.store.create({ thread: child, head: deriveHead(child.events) })).thread;
  } catch (cause) {
    if (!(cause instanceof VersionConflictError)) throw cause;
    stored = await deps.store.load(child.id);
  }
  if (!stored) return;
  if (deriveStatus(stored.events) === "running") {
    await deps.queue.enqueue({ threadId: stored.id, version: versionOf(stored) });
  } else {
    await deliverToParent(deps, stored);
  }
}

/**
 * Hands a child's end (done, failed or cancelled) to its parent as the call's outcome, and
 * enqueues the parent's next step. Called wherever an end is observed (the step that ends the
 * child, its redelivery, a cancel, a poisoned step); the append is version-checked and the core
 * appends nothing when the parent holds the outcome already or waits no more (a cancelled
 * parent is never resumed), so observers racing one another append it once.
 */
export async function deliverToParent(deps: Deps, child: Thread): Promise<void> {
  const link = parentOf(child.events);
  if (!link || !childEndOf(child.events)) return;
  let saved: Thread;
  try {
    ({ saved } = await appendEvent(deps, link.threadId, (parent) =>
      childOutcome(parent, child, {
        clock: deps.clock,
        resultBudget: deps.agents.get(parent.agent)?.resultBudget ?? 2000,
      }),
    ));
  } catch (cause) {
    if (cause instanceof ThreadNotFoundError) return; // the parent was deleted
    throw cause;
  }
  // Also when nothing was appended: a crash may have come between the append and this enqueue.
  if (deriveStatus(saved.events) === "running") {
    await deps.queue.enqueue({ threadId: saved.id, version: versionOf(saved) });
  }
}

/** Ends the call `callId` of a waiting thread with a compact error the model reads. */
async function failCall(deps: Deps, threadId: string, callId: string, message: string) {
  const { saved } = await appendEvent(deps, threadId, (thread) => {
    const awaited = deriveAwaitedChild(thread.events);
    if (deriveStatus(thread.events) !== "waiting_for_agent" || awaited?.callId !== callId) {
      return null;
    }
    const event: ThreadEvent = {
      type: "error",
      at: deps.clock.now().toISOString(),
      data: { code: "agent_failed", message, callId, tool: awaited.tool },
    };
    return event;
  });
  if (deriveStatus(saved.events) === "running") {
    await deps.queue.enqueue({ threadId: saved.id, version: versionOf(saved) });
  }
}

/**
 * Cancels every child thread a cancelled thread launched that still runs or waits (the one it
 * waits on, and any a person reopened after it ended), and theirs, down the tree: a child that
 * ended is passed through to its own children, one never created or deleted is skipped.
 * Cancelling again repeats the walk, so a cascade a crash cut short is finished by the next cancel.
 */
export async function cancelDescendants(
  deps: { store: Pick<RuntimeDeps["store"], "load"> },
  thread: Thread,
  cancelOne: (threadId: string, input: { reason: string; by?: Actor }) => Promise<void>,
  by?: Actor,
): Promise<void> {
  await cancelChildrenOf(deps, thread, `its parent thread ${thread.id} was cancelled`, {
    cancelOne,
    ...(by ? { by } : {}),
    ancestor: thread.id,
    depth: 0,
  });
}

async function cancelChildrenOf(
  deps: { store: Pick<RuntimeDeps["store"], "load"> },
  thread: Thread,
  reason: string,
  walk: {
    cancelOne: (threadId: string, input: { reason: string; by?: Actor }) => Promise<void>;
    by?: Actor;
    ancestor: string;
    depth: number;
  },
): Promise<void> {
  if (walk.depth >= MAX_WALK) return;
  const callIds = new Set<string>();
  for (const event of thread.events) {
    if (event.type === "child_requested") callIds.add(event.data.callId);
  }
  for (const callId of callIds) {
    const childId = childThreadId(thread.id, callId);
    try {
      await walk.cancelOne(childId, { reason, ...(walk.by ? { by: walk.by } : {}) });
    } catch (cause) {
      if (cause instanceof ThreadNotFoundError) continue;
      if (!(cause instanceof ThreadClosedError)) throw cause;
      // It ended: its own children may still run (a person reopened one).
      const child = await deps.store.load(childId);
      if (!child) continue;
      await cancelChildrenOf(deps, child, `its ancestor thread ${walk.ancestor} was cancelled`, {
        ...walk,
        depth: walk.depth + 1,
      });
    }
  }
}

/**
 * Deletes a thread and every child thread it launched, children first, so a delete cut short
 * leaves no child behind that nothing names (deleting again finishes it). `false` when there
 * was no such thread.
 */
export async function deleteTree(
  deps: Pick<RuntimeDeps, "store">,
  threadId: string,
  depth = 0,
): Promise<boolean> {
  const thread = await deps.store.load(threadId);
  if (thread && depth < MAX_WALK) {
    for (const event of thread.events) {
      if (event.type !== "child_requested") continue;
      await deleteTree(deps, childThreadId(thread.id, event.data.callId), depth + 1);
    }
  }
  return deps.store.delete(threadId);
}

/** A descendant of a thread the root waits on, as `GET /threads/{root}` shows it. */
export interface WaitingDescendant {
  threadId: string;
  agent: string;
  /** The thread whose call launched it. */
  parentThreadId: string;
  depth: number;
  status: Status;
  /** The call a person must answer on this thread (answer it there), or null. */
  pending: Pending | null;
  /** The callback tool's call this thread waits on (answered by its token, or here), or null. */
  callback: Omit<CallbackWait, "tokenHash"> | null;
}

/**
 * The chain of child threads a waiting thread waits on, down to the one that runs or waits for
 * a person: each with its status and pending call, so the root's reader sees what the tree waits
 * on and answers it on the child it belongs to.
 */
export async function waitingDescendants(
  deps: { store: Pick<RuntimeDeps["store"], "load"> },
  thread: Thread,
): Promise<WaitingDescendant[]> {
  const chain: WaitingDescendant[] = [];
  let current = thread;
  for (let i = 0; i < MAX_WALK; i++) {
    if (deriveStatus(current.events) !== "waiting_for_agent") break;
    const request = deriveAwaitedChild(current.events);
    if (!request) break;
    const child = await deps.store.load(childThreadId(current.id, request.callId));
    if (!child) break;
    chain.push({
      threadId: child.id,
      agent: child.agent,
      parentThreadId: current.id,
      depth: request.depth,
      status: deriveStatus(child.events),
      pending: derivePending(child.events),
      callback: callbackShown(child.events),
    });
    current = child;
  }
  return chain;
}

/**
 * When an answer for `callId` reaches a thread that waits for a child agent, and `callId` is what
 * a descendant asks: the `NotPendingError` that names the thread to answer it on (an answer
 * resumes the child, never the parent). Null otherwise.
 */
export async function askedBelow(
  deps: { store: Pick<RuntimeDeps["store"], "load"> },
  threadId: string,
  callId: string,
): Promise<NotPendingError | null> {
  const thread = await deps.store.load(threadId);
  if (!thread) return null;
  const asking = (await waitingDescendants(deps, thread)).find(
    (d) => d.pending?.callId === callId || d.callback?.callId === callId,
  );
  return asking
    ? new NotPendingError(
        threadId,
        callId,
        `${callId} is asked on thread ${asking.threadId}; answer it there`,
      )
    : null;
}

/** A child thread in a tree, as the root's reader sees it. */
export interface TreeNode {
  threadId: string;
  agent: string;
  parentThreadId: string;
  depth: number;
  status: Status;
}

/** The most child threads a tree's reading loads: a console page, not an export. */
export const MAX_TREE_THREADS = 100;

/**
 * Every child thread under `thread` (children first, then theirs), each with its status, and
 * the events of the whole tree (for usage and cost rolled into the root). At most
 * `MAX_TREE_THREADS` are read; a deleted child is skipped.
 */
export async function readTree(
  deps: Pick<RuntimeDeps, "store">,
  thread: Thread,
): Promise<{ children: TreeNode[]; events: ThreadEvent[]; loaded: Map<string, Thread> }> {
  const children: TreeNode[] = [];
  const loaded = new Map<string, Thread>();
  const events: ThreadEvent[] = [...thread.events];
  const queue: Thread[] = [thread];
  for (let current = queue.shift(); current; current = queue.shift()) {
    for (const event of current.events) {
      if (event.type !== "child_requested" || children.length >= MAX_TREE_THREADS) continue;
      const child = await deps.store.load(childThreadId(current.id, event.data.callId));
      if (!child) continue;
      loaded.set(child.id, child);
      children.push({
        threadId: child.id,
        agent: child.agent,
        parentThreadId: current.id,
        depth: event.data.depth,
        status: deriveStatus(child.events),
      });
      events.push(...child.events);
      queue.push(child);
    }
  }
  return { children, events, loaded };
}

/**
 * The reconciler's sweep of trees: each thread `waiting_for_agent` that has not moved for
 * `staleAfterMs` gets its child launched again (`launchChild`: the child is created or found,
 * its step enqueued if it runs, its end handed over if it ended). This closes what a lost step
 * message would leave open: a child never created, or an end never handed to its parent.
 */
export async function reconcileChildren(
  deps: Deps,
  options: { staleAfterMs: number },
): Promise<{ checked: number; relaunched: number }> {
  const cutoff = deps.clock.now().getTime() - options.staleAfterMs;
  let checked = 0;
  let relaunched = 0;
  for await (const summary of threadsIn(deps.store, "waiting_for_agent")) {
    checked++;
    if (Date.parse(summary.updatedAt) > cutoff) continue;
    const thread = await deps.store.load(summary.threadId);
    if (!thread || deriveStatus(thread.events) !== "waiting_for_agent") continue;
    await launchChild(deps, thread);
    relaunched++;
  }
  return { checked, relaunched };
}
