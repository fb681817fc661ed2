import type { Actor, EscalationReason, ThreadEvent, Usage } from "./events.ts";
import type { PendingKind, Status, Thread, ThreadHead, WaitingMessage } from "./thread.ts";
import type { Tool, ToolSpec } from "./tool.ts";

/** One chat message of the rendered context. */
export interface ContextMessage {
  role: "system" | "user";
  content: string;
}

/** Everything a model needs to pick the next call: the rendered context and the tools. */
export interface ModelRequest {
  messages: ContextMessage[];
  tools: ToolSpec[];
}

/** The model's answer: exactly one tool call, or a reply the reducer cannot use. */
export type ModelReply =
  | { type: "tool_call"; tool: string; args: unknown; usage?: Usage }
  | { type: "invalid"; reason: string; usage?: Usage };

/**
 * The seam between the core and any LLM provider. Adapters throw `ModelError` when the model
 * cannot be reached; the reducer compacts that into an `error` event.
 */
export interface Model {
  next(request: ModelRequest): Promise<ModelReply>;
  /**
   * Which provider and model this is, for the start-up line, the console and the deploy grants
   * (Bedrock model ARNs). Adapters set it; a hand-written model may leave it out.
   */
  readonly identity?: ModelIdentity;
}

/** A model's provider (`openai`, `bedrock`, `ai-sdk:<provider>`, ...) and its id there. */
export interface ModelIdentity {
  provider: string;
  model: string;
}

/** Time, handed in so the core stays deterministic. */
export interface Clock {
  now(): Date;
}

/** Identifiers the runtime mints (thread ids must be unguessable). */
export interface IdGenerator {
  threadId(): string;
  /** 128 random bits, URL-safe: the secret of a callback tool's token (see `StepDeps`). */
  callbackSecret?(): string;
}

/** What a listing shows of a thread: its id and agent, and the head it was last written with. */
export interface ThreadSummary extends ThreadHead {
  threadId: string;
  agent: string;
}

export interface CreateThreadInput {
  thread: Thread;
  /** The new thread's head: `deriveHead(thread.events)`. */
  head: ThreadHead;
  /** A launch repeated with the same key returns the first thread instead of a new one. */
  idempotencyKey?: string;
  /**
   * What the request behind `idempotencyKey` was (a hash the caller computes). A repeat of the key
   * with another fingerprint throws `IdempotencyKeyReusedError`; a key stored without one (written
   * before fingerprints existed) matches any request.
   */
  fingerprint?: string;
}

export interface ListThreadsQuery {
  /** Omitted: threads of every status. */
  status?: Status;
  agent?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Persistence for threads. A store keeps events and lists threads; it decides nothing about
 * them. Every write is handed the thread's `ThreadHead` (status, `updatedAt`) as the core
 * derived it, and `list` answers from the heads it was handed, so no store derives a status and
 * no write reads the events it does not add.
 *
 * - `create` writes a new thread; a repeated `idempotencyKey` returns the thread it created
 *   (as it stands now) with `created: false`; an id that exists is a `VersionConflictError` at 0.
 * - `load` returns the thread with the messages waiting beside it (`queued`, omitted when none).
 * - `append(read, events, head)` is conditional: it succeeds only while the stored thread is
 *   still at the version of `read` (the thread as the writer loaded it) and holds the messages
 *   `read.queued` holds, no more, otherwise it throws `VersionConflictError` and changes nothing.
 *   It removes those messages: the writer delivered them among `events` (`withQueued`). `head`
 *   is the head of `read` + `events`. No events: returns `read` without writing.
 * - `queueMessage(read, message)` keeps a message beside the thread without moving its version
 *   (so the step in flight still saves), on the same condition as `append`; it returns the
 *   thread with the message added to `queued`.
 * - `list` pages through one status, or all of them (of one agent, if given), most recently
 *   updated first; a cursor that is not the `next` of the same listing throws `InvalidCursorError`.
 * - `readEvents` reads only the events after a version (and the thread's version); `undefined`
 *   for a thread that does not exist.
 * - `delete` removes every item of a thread (events, head, its idempotency key): it leaves
 *   `load`, `list` and `readEvents`, and appends to it fail. `false` when there was no thread.
 *
 * Every implementation passes the same contract suite (`test/contract/thread-store.contract.ts`).
 *
 * @example
 * const { events, next } = await step(thread, deps);
 * const saved = await store.append(thread, events, headAfter({ events, next }));
 * // Outside a step, derive the head of the whole thread:
 * await store.append(thread, [event], deriveHead([...thread.events, event]));
 */
/** A page of a thread's events: those after version `after`, at most `limit`. */
export interface EventsQuery {
  /** The version to read after (0: from the first event). */
  after: number;
  limit: number;
}

/** Events of one thread: `events[0]` is the event at version `after + 1`. */
export interface EventsPage {
  events: ThreadEvent[];
  /** The thread's version (its number of events) when read. */
  version: number;
  /** The messages waiting beside the thread when read (`Thread.queued`); omitted when none. */
  queued?: readonly WaitingMessage[];
}

export interface ThreadStore {
  create(input: CreateThreadInput): Promise<{ thread: Thread; created: boolean }>;
  load(threadId: string): Promise<Thread | undefined>;
  append(read: Thread, events: readonly ThreadEvent[], head: ThreadHead): Promise<Thread>;
  queueMessage(read: Thread, message: WaitingMessage): Promise<Thread>;
  list(query: ListThreadsQuery): Promise<{ threads: ThreadSummary[]; next?: string }>;
  readEvents(threadId: string, query: EventsQuery): Promise<EventsPage | undefined>;
  delete(threadId: string): Promise<boolean>;
}

/**
 * A request to apply one reducer step to a thread that is at `version`. With `queued`: a
 * person's message that waited behind the thread's step in flight, as versions before the store
 * kept such messages (`Thread.queued`) sent them; still read, so an upgrade with messages in
 * flight loses none. Nothing sends it any more.
 */
export interface StepMessage {
  threadId: string;
  version: number;
  queued?: QueuedMessage;
}

/** A person's message carried in a step message (`StepMessage.queued`, from older versions). */
export interface QueuedMessage {
  message: string;
  /** When it was sent: the `at` of the event it becomes. */
  at: string;
  /** Who sent it. */
  by?: Actor;
}

/**
 * The step queue. At-least-once: a message may arrive twice or late, and the worker recognises
 * that by comparing `version` with the stored thread. One step in flight per thread.
 */
export interface StepQueue {
  enqueue(message: StepMessage): Promise<void>;
}

/**
 * One message of the step queue's dead-letter queue: the step it carried, which `drop` deletes
 * once handled, or a body that could not be read (left in the queue for a person).
 */
export type DeadLetter =
  | { id: string; step: StepMessage; drop(): Promise<void> }
  | { id: string; unreadable: string };

/** The dead-letter queue of the step queue, drained a batch at a time (empty: drained). */
export interface DeadLetterQueue {
  receive(): Promise<readonly DeadLetter[]>;
}

/** Published when a thread starts waiting for a person, so any channel can notify them. */
export interface ThreadWaitingNotice {
  /** Stable across re-publishes of the same pause: `<threadId>:<callId>`. */
  id: string;
  threadId: string;
  agent: string;
  status: "waiting_for_approval" | "waiting_for_human";
  /**
   * What is asked: a decision (`approval`), the agent's question (`human_input`), or an operator's
   * guidance for a run the runtime stopped (`escalation`, with its `reason`).
   */
  kind: PendingKind;
  reason?: Exclude<EscalationReason, "tool">;
  callId: string;
  tool: string;
  args: unknown;
  message?: string;
  /** Where a person (or a tool acting for them) reads the thread: `GET /threads/{id}`. */
  link: string;
  /** Only for a child thread (an agent tool's call): the root of its tree, where it shows too. */
  root?: NoticeRoot;
}

/** The root thread of a child's tree, as a notice names it. */
export interface NoticeRoot {
  threadId: string;
  agent?: string;
  link: string;
}

/**
 * Published when a thread starts waiting on a callback tool's call (its `start` has run), so the
 * systems that watch a thread see the wait, the tool and when it expires. It never carries the
 * token (the credential of the answer) nor its hash.
 */
export interface CallbackWaitingNotice {
  /**
   * Stable across re-publishes of the same wait: `<threadId>:<callId>:<version>`, the version of
   * its `callback_requested` (a wait issued again after a crash, or by a fork, is a new notice).
   */
  id: string;
  threadId: string;
  agent: string;
  status: "waiting_for_callback";
  callId: string;
  tool: string;
  args: unknown;
  /** When the wait expires: the model then reads that the callback expired. */
  expiresAt: string;
  link: string;
  /** Only for a child thread: the root of its tree. */
  root?: NoticeRoot;
}

/** Published when a thread ends: done (with the terminal tool's output) or failed (why). */
export interface ThreadEndedNotice {
  /** Stable across re-publishes of the same end: `<threadId>:<status>:<version>`. */
  id: string;
  threadId: string;
  agent: string;
  status: "done" | "failed";
  /** The version the thread ended at (a later turn ends at another). */
  version: number;
  output?: string;
  reason?: string;
  link: string;
  /** Only for a child thread: the root of its tree. */
  root?: NoticeRoot;
}

/**
 * Tells the world about a thread that waits or ends (factor 11: EventBridge in AWS, from where
 * the channels (webhooks, Slack, email) are notified). Notices are at-least-once: a crash between
 * the write and the publish publishes again, under the same id.
 */
export interface Notifier {
  threadWaiting(notice: ThreadWaitingNotice): Promise<void>;
  /** Optional: a notifier without it hears of pauses only. */
  threadEnded?(notice: ThreadEndedNotice): Promise<void>;
  /** Optional: a notifier without it does not hear of callback waits. */
  callbackWaiting?(notice: CallbackWaitingNotice): Promise<void>;
}

/**
 * Tools an agent gets at run time from outside its code (an MCP server: `mcpServer` from
 * `twelve-agents/mcp`). The runtime asks for them when a step needs the agent's tools, never at
 * import; the source caches them itself. The core only ever sees the tools it returned.
 */
export interface ToolSource {
  /** Unique among an agent's sources: named in errors and in the tool-set events. */
  readonly name: string;
  /**
   * The names the model will see that are known before the source is asked (an MCP server's
   * `include` list, prefixed): checked against the agent's other tools when it is defined.
   */
  readonly declaredTools?: readonly string[];
  /**
   * The tools as of now. Throws `ToolSourceError` when the source does not answer (or answers
   * with tools that cannot be used), never returns an empty list in its place.
   */
  tools(): Promise<readonly Tool[]>;
  /** Forgets a cached list, if the source keeps one: the next `tools()` asks again. */
  refresh?(): void;
}

/**
 * Remembers which signed webhook deliveries were seen, so a replay is refused. `claim` returns
 * false when `key` was claimed before, unless by the same `owner` (a sender's redelivery of one
 * delivery); claims may be forgotten after `expiresAt`.
 */
export interface ReplayGuard {
  claim(key: string, expiresAt: Date, owner?: string): Promise<boolean>;
  /** Forgets a claim whose request failed on our side, so the sender's retry is accepted. */
  release(key: string): Promise<void>;
}
