import * as z from "zod";

/**
 * The thread's event vocabulary (factor 5). Every fact about a thread is one of these; status,
 * the pending call and the counters are derived from them (see `thread.ts`), never stored beside.
 */

const usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /**
   * Of `inputTokens`, those read from the provider's prompt cache (priced lower), where the
   * provider reports them.
   */
  cacheReadTokens: z.number().int().nonnegative().optional(),
  /** Of `inputTokens`, those written to the provider's prompt cache, where it reports them. */
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  /** The model that answered, as its API named it (prices are per model). */
  model: z.string().max(256).optional(),
  /** The provider of the model that answered (`openai`, `bedrock`, `ai-sdk:<provider>`). */
  provider: z.string().max(128).optional(),
});
export type Usage = z.infer<typeof usage>;

const at = z.iso.datetime();

/**
 * Who caused an event: the person or system (`principal`: a key's name, a JWT's subject, a
 * webhook source, a schedule) and the way in (`via`: `api`, `webhook:<source>`, `schedule`,
 * `event`, `runner`, or a channel such as `slack`). Events the reducer writes have none.
 */
export const actor = z.object({
  principal: z.string().min(1).max(256),
  via: z.string().min(1).max(128),
});
export type Actor = z.infer<typeof actor>;
const by = actor.optional();

/**
 * Where a child thread sits in its tree: the parent thread and its call that launched it, the
 * root of the tree, and the child's depth (the root is at 0). Only a child's first event has it.
 * `traceId`: the trace of the step that launched it (the X-Ray root trace id where the worker
 * traces), which the child's step spans carry as `twelve.parent_trace_id`.
 */
export const parentLink = z.object({
  threadId: z.string(),
  callId: z.string(),
  rootThreadId: z.string(),
  depth: z.number().int().positive(),
  traceId: z.string().optional(),
});
export type ParentLink = z.infer<typeof parentLink>;

export const userMessageEvent = z.object({
  type: z.literal("user_message"),
  at,
  by,
  data: z.object({
    message: z.string(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    /** Only on a child thread's first message: the thread whose agent called this one. */
    parent: parentLink.optional(),
  }),
});

/** A tool call chosen by the model, or run by the agent's prefetch before the first model call. */
export const toolCallEvent = z.object({
  type: z.literal("tool_call"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    args: z.unknown(),
    source: z.enum(["model", "prefetch"]),
    usage: usage.optional(),
  }),
});

export const toolResultEvent = z.object({
  type: z.literal("tool_result"),
  at,
  by,
  data: z.object({ callId: z.string(), tool: z.string(), result: z.unknown() }),
});

export const errorCodes = [
  "model_reply", // no tool call, several tool calls, unparsable arguments
  "model_failed", // the model could not be reached after the adapter's retries
  "unknown_tool",
  "invalid_args",
  "tool_failed",
  "tools_unavailable", // a source of the agent's tools (an MCP server) did not answer
  "depth_limit", // a sub-agent call past the agent's `maxDepth`
  "agent_failed", // a child thread failed or was cancelled
  "callback_expired", // a callback tool's wait ended without an answer
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** A compact error the model sees on its next step (factor 9). */
export const errorEvent = z.object({
  type: z.literal("error"),
  at,
  by,
  data: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    callId: z.string().optional(),
    tool: z.string().optional(),
    usage: usage.optional(),
    /** A failed tool's full error text, for the operator: never rendered for the model. */
    detail: z.string().optional(),
  }),
});

/**
 * The model called an agent tool: a child thread of `agent` runs with `message` as its first
 * message, and this thread waits for it (`waiting_for_agent`) until the child's end is appended
 * as the call's outcome (a `tool_result`, or an `agent_failed` error). The child's id follows
 * from this thread's id and the call (`childThreadId`), so a fork launches a child of its own.
 */
export const childRequestedEvent = z.object({
  type: z.literal("child_requested"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    agent: z.string(),
    message: z.string(),
    /** The child's depth: this thread's depth + 1. */
    depth: z.number().int().positive(),
  }),
});

export const approvalRequestedEvent = z.object({
  type: z.literal("approval_requested"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    args: z.unknown(),
    /** sha256 of the canonical JSON of `args`: an approval is bound to exactly these arguments. */
    argsHash: z.string(),
  }),
});

export const approvalDecisionEvent = z.object({
  type: z.literal("approval_decision"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    approved: z.boolean(),
    comment: z.string().optional(),
  }),
});

/**
 * A callback tool's call waits for the outside world: its `start` is handed a single-use token
 * (`<threadId>.<128 random bits>`) that completes the call (`POST /callbacks/{token}`), and only
 * the token's sha256 is kept here. Recorded before `start` runs, so no answer can come before
 * the wait exists. Answered by the call's `tool_result`, or an `error` (it failed to start, or
 * `callback_expired` after `expiresAt`).
 */
export const callbackRequestedEvent = z.object({
  type: z.literal("callback_requested"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    args: z.unknown(),
    /** sha256 (hex) of the token: a leaked thread never leaks a usable token. */
    tokenHash: z.string(),
    expiresAt: at,
  }),
});

/**
 * The `start` of a callback tool's call ran with the token of the call's last `callback_requested`
 * (and did not throw). A wait without it after its request never had its token handed out (the
 * process died between the save and `start`): the next delivery of its step issues a new token
 * and runs `start` again with the same idempotency key. Read by no model.
 */
export const callbackStartedEvent = z.object({
  type: z.literal("callback_started"),
  at,
  by,
  data: z.object({ callId: z.string() }),
});

/**
 * A call's tool failed with an error it marks retryable (`new ToolError(msg, { retryable: true })`)
 * and its `retry` policy has attempts left: the same call runs again at `retryAt`, with the same
 * idempotency key and no new approval. The model never sees it; the last failure reaches the
 * model as an ordinary `error` when the attempts are spent.
 */
export const toolRetryEvent = z.object({
  type: z.literal("tool_retry"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    /** The attempt that failed (1 = the first run). */
    attempt: z.number().int().positive(),
    message: z.string(),
    detail: z.string().optional(),
    retryAt: at,
  }),
});

export const escalationReasons = [
  "tool",
  "too_many_errors",
  "max_steps",
  "model_unusable",
  "max_tokens",
  "tools_unusable",
] as const;
export type EscalationReason = (typeof escalationReasons)[number];

/** The thread waits for a person: a human-kind tool call, or an escalation by the runtime. */
export const humanInputRequestedEvent = z.object({
  type: z.literal("human_input_requested"),
  at,
  by,
  data: z.object({
    callId: z.string(),
    tool: z.string(),
    args: z.unknown(),
    message: z.string(),
    reason: z.enum(escalationReasons),
  }),
});

export const humanResponseEvent = z.object({
  type: z.literal("human_response"),
  at,
  by,
  data: z.object({ callId: z.string(), response: z.string() }),
});

/** A terminal tool was called: the thread is done and `output` is its answer. */
export const doneEvent = z.object({
  type: z.literal("done"),
  at,
  by,
  data: z.object({ callId: z.string(), output: z.string() }),
});

/** The runtime gave up on the thread (for example a poison step message). */
export const failedEvent = z.object({
  type: z.literal("failed"),
  at,
  by,
  data: z.object({ reason: z.string() }),
});

/** An operator retries a failed thread (for example after redriving its dead-lettered step). */
export const retryRequestedEvent = z.object({
  type: z.literal("retry_requested"),
  at,
  by,
  data: z.object({ reason: z.string() }),
});

/** A person or system stopped the thread: terminal; the pending call, if any, is closed. */
export const cancelledEvent = z.object({
  type: z.literal("cancelled"),
  at,
  by,
  data: z.object({ reason: z.string().optional() }),
});

/**
 * The context was compacted (factor 3): from the next model call on, the events at versions
 * `from` to `to` (1-based, as the API numbers them; a later compaction supersedes an earlier
 * one) are shown to the model as `summary`. The events themselves stay in the thread.
 * `elide` is the deterministic stand-in (human input kept, recent calls kept with their results
 * elided, the rest counted); `model` a summary the model wrote in a step of its own.
 */
export const compactionEvent = z.object({
  type: z.literal("compaction"),
  at,
  by,
  data: z.object({
    from: z.number().int().positive(),
    to: z.number().int().positive(),
    method: z.enum(["elide", "model"]),
    summary: z.string(),
    /** The estimated tokens of the model's request before and after the compaction. */
    tokensBefore: z.number().int().nonnegative(),
    tokensAfter: z.number().int().nonnegative(),
    /** The tokens of the model call that wrote a `model` summary. */
    usage: usage.optional(),
  }),
});

/**
 * The tool set the model is shown, when tools come from outside the agent's code (MCP servers):
 * recorded before the first model call that shows it, and again when it changes under the
 * running thread, with what changed (tool names, and the fingerprint it had). `tools` holds the
 * print of each tool (its spec and kind), `fingerprint` the print of them all.
 */
export const toolSetEvent = z.object({
  type: z.literal("tool_set"),
  at,
  by,
  data: z.object({
    fingerprint: z.string(),
    tools: z.record(z.string(), z.string()),
    change: z
      .object({
        from: z.string(),
        added: z.array(z.string()),
        removed: z.array(z.string()),
        changed: z.array(z.string()),
      })
      .optional(),
  }),
});

export const threadEvent = z.discriminatedUnion("type", [
  userMessageEvent,
  toolCallEvent,
  toolResultEvent,
  errorEvent,
  approvalRequestedEvent,
  approvalDecisionEvent,
  humanInputRequestedEvent,
  humanResponseEvent,
  doneEvent,
  failedEvent,
  retryRequestedEvent,
  cancelledEvent,
  compactionEvent,
  toolSetEvent,
  childRequestedEvent,
  callbackRequestedEvent,
  callbackStartedEvent,
  toolRetryEvent,
]);

export type ThreadEvent = z.infer<typeof threadEvent>;
export type EventType = ThreadEvent["type"];
export type EventOf<T extends EventType> = Extract<ThreadEvent, { type: T }>;
