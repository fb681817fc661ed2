/** The API's answers, as the console reads them (see the README's HTTP API table). */

// A copy of the core's statuses (shared/core/thread.ts): the console ships as source beside the
// compiled package, where the core's .ts files are not, so it imports nothing from it.
export type Status =
  | "running"
  | "waiting_for_approval"
  | "waiting_for_human"
  | "waiting_for_agent"
  | "waiting_for_callback"
  | "done"
  | "failed"
  | "cancelled";

export const statuses: readonly Status[] = [
  "running",
  "waiting_for_approval",
  "waiting_for_human",
  "waiting_for_agent",
  "waiting_for_callback",
  "done",
  "failed",
  "cancelled",
];

/** The statuses a thread can still leave (cancel applies to these). */
export const openStatuses: ReadonlySet<string> = new Set([
  "running",
  "waiting_for_approval",
  "waiting_for_human",
  "waiting_for_agent",
  "waiting_for_callback",
]);

export interface AgentInfo {
  name: string;
  tools: { name: string; kind: string }[];
}

export interface ThreadSummary {
  threadId: string;
  agent: string;
  status: string;
  updatedAt: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** One model call's usage, as its event records it. */
export interface CallUsage extends Usage {
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** The model that answered, and its provider (`openai`, `bedrock`, `ai-sdk:<provider>`). */
  model?: string;
  provider?: string;
}

/**
 * One event; the console renders the types it knows and shows the data of any other. An event
 * too large for the API's answer comes without `data`, with `dataLink` (the route serving it)
 * and `dataBytes` instead.
 */
export interface ThreadEvent {
  type: string;
  at: string;
  by?: { principal: string; via: string };
  data: Record<string, unknown>;
}

/** How an event too large for the answer arrives: its data behind a link. */
export interface LinkedData {
  dataLink?: string;
  dataBytes?: number;
}

export interface VersionedEvent extends ThreadEvent {
  version: number;
}

export interface Pending {
  callId: string;
  kind: "approval" | "human_input" | "escalation" | string;
  tool: string;
  args: unknown;
  message?: string;
  argsHash?: string;
  /** Only for an escalation: why the runtime stopped the run. */
  reason?: string;
}

export interface CallbackWait {
  callId: string;
  tool: string;
  args: unknown;
  at: string;
  expiresAt: string;
}

export interface ThreadView {
  threadId: string;
  agent: string;
  status: string;
  version: number;
  events: ThreadEvent[];
  pending: Pending | null;
  /** The callback tool's call the thread waits on (`waiting_for_callback`), and its expiry. */
  callback?: CallbackWait | null;
  output: string | null;
  failure: string | null;
  forkedFrom?: { threadId: string; version: number; by?: { principal: string; via: string } };
  eventsFrom?: number;
  olderEvents?: string;
  /** The whole thread's tokens and their estimated cost (older servers send none). */
  usage?: ThreadUsage;
  /** Only on a child thread: where it sits in its tree. */
  parent?: { threadId: string; callId: string; rootThreadId: string; depth: number };
  /** Only on a thread whose agent tools launched child threads: every thread under it. */
  children?: TreeNode[];
  /** Only with `children`: the usage and cost of the whole tree. */
  treeUsage?: ThreadUsage;
  /** Only while it waits for a child: the chain of threads it waits on, with their pending calls. */
  descendants?: WaitingDescendant[];
}

/** A thread the root waits on, down its tree: what it asks a person, or the callback it awaits. */
export interface WaitingDescendant extends TreeNode {
  pending: Pending | null;
  /** Older servers send none. */
  callback?: CallbackWait | null;
}

export interface TreeNode {
  threadId: string;
  agent: string;
  parentThreadId: string;
  depth: number;
  status: string;
}

export interface ThreadUsage extends Usage {
  modelCalls: number;
  estimatedCostUsd: number | null;
  unpriced: string[];
}

export interface EventsPage {
  events: VersionedEvent[];
  version: number;
  next?: number;
}

export interface ContextView {
  messages: { role: string; content: string }[];
  tools: { name: string; description: string; parameters: unknown }[];
  tokens?: number;
  contextBudget?: number | null;
  compaction?: { from: number; to: number; method: string } | null;
}
