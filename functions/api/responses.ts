import * as z from "zod";
import { escalationReasons } from "../../shared/core/events.ts";
import { pendingKinds, statuses } from "../../shared/core/thread.ts";
import { VERBS } from "./scopes.ts";

/**
 * The bodies the HTTP API answers with, as zod schemas: the OpenAPI document (`openapi.ts`) is
 * generated from them, and the tests check real answers against that document. Objects are loose
 * (extra fields allowed), so adding a field to an answer is not a breaking change.
 */

const status = z.enum(statuses);

/** Every 4xx: `{"error": {"code", "message", ...}}` (`errorResponse` in http.ts). */
export const errorAnswer = z.strictObject({
  error: z.looseObject({
    code: z.string().describe("machine-readable: see the error codes in the README"),
    message: z.string().describe("for people: names what was wrong and what was expected"),
  }),
});

/** `202` of a launch, a response, a webhook: the thread and the status it is in now. */
export const threadStatusAnswer = z.looseObject({ threadId: z.string(), status });

export const healthAnswer = z.looseObject({ status: z.literal("ok") });

/** `GET /me`: who the key is and what it may do (`agents: null` is every agent). */
export const meAnswer = z.looseObject({
  principal: z.string(),
  agents: z.array(z.string()).nullable(),
  can: z.array(z.enum(VERBS)),
});

export const agentsAnswer = z.looseObject({
  agents: z.array(
    z.looseObject({
      name: z.string(),
      tools: z.array(z.looseObject({ name: z.string(), kind: z.string() })),
    }),
  ),
});

const wholeEvent = z.looseObject({ type: z.string(), at: z.string(), data: z.unknown() });

/** An event too large for the answer: its data is served by `dataLink` (see the README). */
const linkedEvent = z
  .looseObject({
    type: z.string(),
    at: z.string(),
    dataLink: z
      .string()
      .describe("`/threads/{id}/events/{version}/data`: the route that serves the data"),
    dataBytes: z.int().min(0).describe("the length of the data's JSON text in bytes"),
  })
  .describe("an event whose JSON passes 2.5 MB: shown without `data`, which its link serves");

const event = z.union([wholeEvent, linkedEvent]);
const versioned = { version: z.int().min(1) };

const pending = z.looseObject({
  callId: z.string(),
  kind: z
    .enum(pendingKinds)
    .describe(
      "approval: a decision on the call; human_input: the agent's question; escalation: the runtime stopped the run (see reason) and an operator's reply guides it on",
    ),
  tool: z.string(),
  args: z.unknown(),
  message: z.string().optional(),
  argsHash: z.string().optional(),
  reason: z
    .enum(escalationReasons)
    .exclude(["tool"])
    .optional()
    .describe("only for an escalation: why the runtime stopped"),
});

/** A child thread the thread waits on, down the tree (`waiting_for_agent`). */
/** A callback tool's call a thread waits on, as the API shows it (no token). */
const callbackWait = z.looseObject({
  callId: z.string(),
  tool: z.string(),
  args: z.unknown(),
  at: z.string().describe("when the wait began"),
  expiresAt: z.string().describe("when the wait ends: the model then reads that it expired"),
});

const descendant = z.looseObject({
  threadId: z.string(),
  agent: z.string(),
  parentThreadId: z.string().describe("the thread whose agent tool launched it"),
  depth: z.int().min(1),
  status,
  pending: pending
    .nullable()
    .describe("the call a person must answer: answer it on this thread, never on the root"),
  callback: callbackWait
    .nullable()
    .describe(
      "the callback tool's call it waits on (answered by its token, or on this thread), or null",
    ),
});

/** `GET /threads/{id}`. */
export const threadAnswer = z.looseObject({
  threadId: z.string(),
  agent: z.string(),
  status,
  version: z.int().min(1),
  events: z.array(event),
  pending: pending.nullable(),
  callback: callbackWait
    .nullable()
    .optional()
    .describe("the callback tool's call the thread waits on (waiting_for_callback), or null"),
  output: z.string().nullable(),
  failure: z.string().nullable(),
  usage: z
    .looseObject({
      inputTokens: z.int().min(0),
      outputTokens: z.int().min(0),
      modelCalls: z.int().min(0),
      byModel: z
        .record(
          z.string(),
          z.object({
            inputTokens: z.int().min(0),
            outputTokens: z.int().min(0),
            cacheReadTokens: z
              .int()
              .min(0)
              .optional()
              .describe("of inputTokens, read from the prompt cache (where the provider says)"),
            cacheWriteTokens: z
              .int()
              .min(0)
              .optional()
              .describe("of inputTokens, written to the prompt cache (where the provider says)"),
            provider: z
              .string()
              .optional()
              .describe("the provider that answered: `openai`, `bedrock`, `ai-sdk:<provider>`"),
          }),
        )
        .describe("tokens by model (`unknown` for usage that named none)"),
      estimatedCostUsd: z.number().min(0).nullable(),
      unpriced: z.array(z.string()),
    })
    .describe(
      "the model's tokens summed over the thread, and their estimated cost from the price table (`MODEL_PRICES`)",
    ),
  parent: z
    .looseObject({
      threadId: z.string(),
      callId: z.string(),
      rootThreadId: z.string(),
      depth: z.int().min(1),
      traceId: z
        .string()
        .optional()
        .describe("the trace (X-Ray root trace id) of the parent's step that launched it"),
    })
    .optional()
    .describe("only on a child thread (an agent tool's call): its parent, root and depth"),
  children: z
    .array(
      z.looseObject({
        threadId: z.string(),
        agent: z.string(),
        parentThreadId: z.string(),
        depth: z.int().min(1),
        status,
      }),
    )
    .optional()
    .describe(
      "only on a thread whose agent tools launched child threads: every thread under it (at most 100), with its status",
    ),
  treeUsage: z
    .looseObject({
      inputTokens: z.int().min(0),
      outputTokens: z.int().min(0),
      modelCalls: z.int().min(0),
      estimatedCostUsd: z.number().min(0).nullable(),
      unpriced: z.array(z.string()),
    })
    .optional()
    .describe("only with `children`: the usage and estimated cost of the thread and all under it"),
  descendants: z
    .array(descendant)
    .optional()
    .describe(
      "only while the thread waits for a child agent: the chain of child threads it waits on, each with its status and pending call",
    ),
});

/** `GET /threads`. */
export const threadListAnswer = z.looseObject({
  threads: z.array(
    z.looseObject({ threadId: z.string(), agent: z.string(), status, updatedAt: z.string() }),
  ),
  next: z.string().optional().describe("the cursor of the next page, while there is one"),
});

/** `GET /threads/{id}/context`: what the model sees next. */
export const contextAnswer = z.looseObject({
  messages: z.array(z.looseObject({ role: z.string() })),
  tools: z.array(z.looseObject({ name: z.string() })),
  toolsUnavailable: z
    .string()
    .nullable()
    .describe(
      "why the tools of the agent's MCP servers are not in `tools` (a server that did not answer), or null",
    ),
  tokens: z.int().min(0).describe("the request's tokens, counted with the agent's counter"),
  contextBudget: z.int().min(1).nullable().describe("the agent's `contextBudget`, if it has one"),
  compaction: z
    .looseObject({
      from: z.int().min(1),
      to: z.int().min(1),
      method: z.enum(["elide", "model"]),
      tokensBefore: z.int().min(0),
      tokensAfter: z.int().min(0),
    })
    .nullable()
    .describe("the compaction in force: the events it stands in for (its summary is in messages)"),
});

/** `GET /threads/{id}/events`. */
export const eventsAnswer = z.looseObject({
  events: z.array(z.union([wholeEvent.extend(versioned), linkedEvent.extend(versioned)])),
  version: z.int().min(0),
  next: z.int().optional().describe("`after` of the following page, while more remain"),
});

/** `GET /openapi.json`: an OpenAPI 3.1 document. */
export const openApiAnswer = z.looseObject({
  openapi: z.string(),
  info: z.unknown(),
  paths: z.unknown(),
});
