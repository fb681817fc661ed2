import type { Agent } from "./agent.ts";
import type { Actor, EventOf, ParentLink, ThreadEvent } from "./events.ts";
import { launch } from "./lifecycle.ts";
import type { Clock } from "./ports.ts";
import { truncate } from "./render.ts";
import { InvalidMetadataError, launchMetadataOf, parseRunContext } from "./run-context.ts";
import {
  childThreadId,
  depthOf,
  deriveAwaitedChild,
  deriveOutput,
  deriveStatus,
  parentOf,
  rootOf,
  type Status,
  type Thread,
} from "./thread.ts";
import type { Tool } from "./tool.ts";

/**
 * Sub-agents as child threads, decided purely: what a parent's call of an agent tool records,
 * the child thread it launches, and the event a child's end appends to its parent. The runtime
 * (shared/runtime/sub-agents.ts) does the I/O.
 */

type AgentTool = Extract<Tool, { kind: "agent" }>;
export type ChildRequest = EventOf<"child_requested">["data"];

/**
 * What a valid call of an agent tool records: the `child_requested` data, or why the call is
 * refused (a compact error the model reads): the tree would grow past the calling agent's
 * `maxDepth`, or the child agent's run context refuses the thread's launch metadata (which the
 * child inherits).
 */
export function requestChild(
  thread: Thread,
  agent: Agent,
  tool: AgentTool,
  callId: string,
  args: unknown,
):
  | { request: ChildRequest }
  | { refused: { code: "depth_limit" | "tool_failed"; message: string } } {
  const depth = depthOf(thread.events) + 1;
  if (depth > agent.maxDepth) {
    return {
      refused: {
        code: "depth_limit",
        message:
          `${tool.name} was not called: agents may nest ${agent.maxDepth} deep and this call ` +
          "would go deeper; do the task without it",
      },
    };
  }
  const child = tool.agent;
  if (child.runContext) {
    try {
      parseRunContext(child.name, child.runContext, launchMetadataOf(thread));
    } catch (cause) {
      if (!(cause instanceof InvalidMetadataError)) throw cause;
      return { refused: { code: "tool_failed", message: `${tool.name} failed: ${cause.message}` } };
    }
  }
  return {
    request: {
      callId,
      tool: tool.name,
      agent: child.name,
      message: tool.message(args as Record<string, unknown>),
      depth,
    },
  };
}

/**
 * The child thread `request` launches: the call's message first, the parent's launch metadata
 * (the run context flows down the tree), and where it sits (parent, call, root, depth). Its id
 * is `childThreadId(parent.id, callId)`, so launching it twice is one thread. `traceId`: the
 * trace of the launching step, kept in the link when there is one.
 */
export function childThread(
  parent: Pick<Thread, "id" | "events">,
  request: ChildRequest,
  child: Agent,
  clock: Clock,
  traceId?: string,
): Thread {
  const metadata = launchMetadataOf(parent);
  const by: Actor = { principal: parent.id, via: "agent" };
  const thread = launch({
    agent: child,
    threadId: childThreadId(parent.id, request.callId),
    message: request.message,
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    by,
    clock,
  });
  const [first] = thread.events as [EventOf<"user_message">];
  const parentLink = {
    threadId: parent.id,
    callId: request.callId,
    rootThreadId: rootOf(parent),
    depth: request.depth,
    ...(traceId ? { traceId } : {}),
  };
  return { ...thread, events: [{ ...first, data: { ...first.data, parent: parentLink } }] };
}

/** How a child thread ended, or null while it has not. */
export type ChildEnd =
  | { status: "done"; output: string }
  | { status: "failed"; reason: string }
  | { status: "cancelled"; reason?: string };

export function childEndOf(events: readonly ThreadEvent[]): ChildEnd | null {
  const status = deriveStatus(events);
  switch (status) {
    case "done":
      return { status, output: deriveOutput(events) ?? "" };
    case "failed": {
      const last = events.findLast((event) => event.type === "failed");
      return { status, reason: last?.type === "failed" ? last.data.reason : "failed" };
    }
    case "cancelled": {
      const event = events.find((e) => e.type === "cancelled");
      const reason = event?.type === "cancelled" ? event.data.reason : undefined;
      return reason ? { status, reason } : { status };
    }
    case "running":
    case "waiting_for_approval":
    case "waiting_for_human":
    case "waiting_for_agent":
    case "waiting_for_callback":
      return null;
    default: {
      const unknown: never = status;
      throw new TypeError(`unknown status ${unknown}`);
    }
  }
}

/**
 * The event that hands a child's end to its parent as the call's outcome, or null when there is
 * nothing to hand over: the child has not ended, or the parent no longer waits on this call (it
 * was cancelled, or the outcome is in already: a redelivery, a second observer). A done child's
 * output is the call's `tool_result`; a failed or cancelled child is an `agent_failed` error
 * saying why, cut to the parent's result budget. Appended conditionally on the parent's version,
 * so two observers of one end append it once.
 *
 * @example
 * const event = childOutcome(parent, child, { clock, resultBudget: 2000 });
 * if (event) await store.append(parent, [event], deriveHead([...parent.events, event]));
 */
export function childOutcome(
  parent: Thread,
  child: Pick<Thread, "id" | "events">,
  options: { clock: Clock; resultBudget: number },
): ThreadEvent | null {
  const awaited = awaitedCallOf(parent, child);
  if (!awaited) return null;
  const end = childEndOf(child.events);
  if (!end) return null;
  const at = options.clock.now().toISOString();
  const by: Actor = { principal: child.id, via: "agent" };
  const { callId, tool } = awaited;
  switch (end.status) {
    case "done":
      return { type: "tool_result", at, by, data: { callId, tool, result: end.output } };
    case "failed":
    case "cancelled": {
      const why = end.reason ? `: ${truncate(end.reason, options.resultBudget)}` : "";
      const message = `${tool} ${end.status === "failed" ? "failed" : "was cancelled"}${why}`;
      return { type: "error", at, by, data: { code: "agent_failed", message, callId, tool } };
    }
    default: {
      const unknown: never = end;
      throw new TypeError(`unknown child end ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The call of `parent` that waits for `child`, or null when the parent waits for no such call.
 * Only the thread the call launched is its child: a fork of it copies its first event (the
 * parent link) but not its id, so its end, delete or sweep never touches the parent's call.
 */
function awaitedCallOf(
  parent: Pick<Thread, "id" | "events">,
  child: Pick<Thread, "id" | "events">,
): ChildRequest | null {
  const link = launchLinkOf(child);
  if (!link || link.threadId !== parent.id) return null;
  if (deriveStatus(parent.events) !== "waiting_for_agent") return null;
  const awaited = deriveAwaitedChild(parent.events);
  return awaited?.callId === link.callId ? awaited : null;
}

/**
 * The event that ends a parent's call when its child thread is deleted before it ended: an
 * `agent_failed` error the model reads ("… failed: its child thread … was deleted"), so the
 * parent goes on instead of waiting for a thread that is gone (or having it launched again).
 * Null when the parent no longer waits for that child. The delete appends it before it deletes
 * anything, conditionally on the parent's version.
 *
 * @example
 * const event = childDeleted(parent, child, clock);
 * if (event) await store.append(parent, [event], deriveHead([...parent.events, event]));
 */
export function childDeleted(
  parent: Thread,
  child: Pick<Thread, "id" | "events">,
  clock: Clock,
): ThreadEvent | null {
  const awaited = awaitedCallOf(parent, child);
  if (!awaited) return null;
  const { callId, tool } = awaited;
  const message = `${tool} failed: its child thread ${child.id} was deleted`;
  const at = clock.now().toISOString();
  return { type: "error", at, data: { code: "agent_failed", message, callId, tool } };
}

/**
 * What the reconciler's sweep does with a child thread found running or waiting: keep it while
 * its parent waits for its call; cancel it when the parent stopped waiting for it (the parent
 * was cancelled, failed, is done, or its call has an outcome already: a cancel cascade a crash
 * cut short); delete it when the parent is gone (a step created it while its tree was being
 * deleted: the tree was deleted, so it goes too). A root, a fork of a child (no call launched
 * it), a child that no longer runs or waits, and a child that ended at some point (its parent
 * got that outcome; a person may have reopened it since) are kept, unless its parent or its
 * root was cancelled: a cancel stops the whole tree, a reopened child too.
 *
 * @example
 * const link = parentOf(child.events)!;
 * const fate = orphanFate(child, await store.load(link.threadId), await store.load(link.rootThreadId));
 * if (fate.fate === "cancel") await cancelThread(deps, child.id, { reason: fate.reason, by });
 */
export function orphanFate(
  child: Pick<Thread, "id" | "events">,
  parent: Pick<Thread, "id" | "events"> | undefined,
  root?: Pick<Thread, "id" | "events">,
): OrphanFate {
  if (!launchLinkOf(child) || isClosed[deriveStatus(child.events)]) return { fate: "keep" };
  for (const [ancestor, role] of [
    [parent, "parent"],
    [root, "root"],
  ] as const) {
    if (ancestor && deriveStatus(ancestor.events) === "cancelled") {
      return { fate: "cancel", reason: `its ${role} thread ${ancestor.id} was cancelled` };
    }
  }
  if (hasEnded(child.events)) return { fate: "keep" };
  if (!parent) return { fate: "delete" };
  if (awaitedCallOf(parent, child)) return { fate: "keep" };
  const why = orphanedBecause[deriveStatus(parent.events)];
  return { fate: "cancel", reason: `its parent thread ${parent.id} ${why}` };
}

/**
 * The link to the call that launched `thread`, or null for a root and for a fork of a child
 * (whose id is not the `<parent>-<callId>` of `childThreadId`: it only copied the child's first
 * event).
 */
export function launchLinkOf(thread: Pick<Thread, "id" | "events">): ParentLink | null {
  const link = parentOf(thread.events);
  return link && thread.id === childThreadId(link.threadId, link.callId) ? link : null;
}

/**
 * Whether the thread ended done or failed at any point: its parent got that outcome then, so a
 * person reopening it later (a message, a retry) makes it no orphan of the parent's.
 */
const hasEnded = (events: readonly ThreadEvent[]): boolean =>
  childEndOf(events) !== null || events.some((e) => e.type === "done" || e.type === "failed");

/** The statuses a thread no longer runs or waits in: nothing of it to cancel. */
const isClosed = {
  cancelled: true,
  failed: true,
  done: true,
  running: false,
  waiting_for_approval: false,
  waiting_for_human: false,
  waiting_for_agent: false,
  waiting_for_callback: false,
} as const satisfies Record<Status, boolean>;

export type OrphanFate = { fate: "keep" } | { fate: "cancel"; reason: string } | { fate: "delete" };

/** Why a parent in each status no longer waits for a child it launched. */
const orphanedBecause = {
  cancelled: "was cancelled",
  failed: "failed",
  done: "is done",
  running: "no longer waits for it",
  waiting_for_approval: "no longer waits for it",
  waiting_for_human: "no longer waits for it",
  waiting_for_agent: "no longer waits for it",
  waiting_for_callback: "no longer waits for it",
} as const satisfies Record<Status, string>;

/** Where a thread sits in its tree, as its steps' traces and log lines name it. */
export interface TreeKeys {
  /** The root of its tree: the thread itself for a root. */
  rootThreadId: string;
  /** The thread whose call launched it: a child's only. */
  parentThreadId?: string;
  /** The trace of the step that launched it: a child's, when that step was traced. */
  parentTraceId?: string;
}

/**
 * The tree keys of a thread: a step's spans and log lines carry them, so one search by the root
 * finds the steps of the whole tree.
 *
 * @example
 * treeKeys(child); // { rootThreadId: "thr_1", parentThreadId: "thr_1" }
 */
export function treeKeys(thread: Pick<Thread, "id" | "events">): TreeKeys {
  const link = parentOf(thread.events);
  return link
    ? {
        rootThreadId: link.rootThreadId,
        parentThreadId: link.threadId,
        ...(link.traceId ? { parentTraceId: link.traceId } : {}),
      }
    : { rootThreadId: thread.id };
}
