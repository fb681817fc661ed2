import type { CallToolResult, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { Agent } from "../../../shared/core/agent.ts";
import { TwelveError } from "../../../shared/core/errors.ts";
import type { Actor } from "../../../shared/core/events.ts";
import { deriveFailure, summarize } from "../../../shared/core/thread.ts";
import { answerCall } from "../../../shared/runtime/callbacks.ts";
import type { RuntimeDeps } from "../../../shared/runtime/deps.ts";
import { apiIdempotencyKey, launchThread } from "../../../shared/runtime/launch-thread.ts";
import { messageThread } from "../../../shared/runtime/message-thread.ts";
import { logger } from "../../logger.ts";
import type { Guard } from "../guard.ts";
import { HttpError, httpStatusOf, saysWhy } from "../http.ts";
import { parse } from "../request.ts";
import { checkedId } from "../route-helpers.ts";
import {
  idempotencyKey,
  launchBody,
  launchMetadata,
  messageBody,
  responseBody,
} from "../schemas.ts";
import { mayDo, mayUseAgent } from "../scopes.ts";

/** The tools beside the agents' own; an agent of the same name is listed as `agent_<name>`. */
export const THREAD_TOOLS = ["get_thread", "answer_thread", "message_thread"] as const;

/** What a request's MCP tools act with: the API's use cases, as its routes do. */
export interface McpToolContext {
  deps: RuntimeDeps;
  guard: Guard;
  principal: string;
}

/** The MCP tool that launches threads of `agent`. */
export const agentToolName = (agent: string): string =>
  (THREAD_TOOLS as readonly string[]).includes(agent) ? `agent_${agent}` : agent;

const threadIdInput = z.string().min(1).max(128).describe("the thread's id, as a launch answered");

const launchInput = z.object({
  message: launchBody.shape.message.describe("the thread's first message"),
  metadata: launchMetadata
    .optional()
    .describe("launch metadata: the agent's run context, when it declares one"),
  idempotencyKey: idempotencyKey
    .optional()
    .describe("a repeat with the same key answers the first launch's thread"),
});

const answerInput = z.object({
  threadId: threadIdInput,
  callId: z.string().min(1).max(128).describe("the pending call's callId (get_thread shows it)"),
  approved: z
    .boolean()
    .optional()
    .describe("an approval: true to run the call, false to reject it"),
  comment: z.string().max(4_000).optional().describe("an approval's comment, shown to the model"),
  argsHash: z
    .string()
    .optional()
    .describe("an approval: the pending call's argsHash, so only the arguments you saw run"),
  response: z.string().min(1).max(32_000).optional().describe("the answer to a human_input call"),
});

const messageInput = z.object({
  threadId: threadIdInput,
  message: messageBody.shape.message,
  ifRunning: messageBody.shape.ifRunning.describe(
    "what to do while a step runs: enqueue (default of most agents), reject or interrupt",
  ),
});

/**
 * Registers on `server` the tools the request's key may use (the others are not listed, and a
 * call of one is "tool not found"): one per agent it may launch, named after the agent, taking
 * `{ message }` and answering `{ threadId, status }` at once; `get_thread` for a key that reads,
 * `answer_thread` for one that decides, `message_thread` for one that messages. Each goes through
 * the same use cases and scope checks as the HTTP routes; a refusal or a 4xx of the API is a tool
 * result with `isError` and the API's error code.
 */
export function registerTools(server: McpServer, context: McpToolContext): void {
  const { deps, guard, principal } = context;
  // The way in, for the events' `by`: an MCP client, with the key's name as the principal.
  const by: Actor = { principal, via: "mcp" };
  for (const agent of deps.agents.values()) {
    if (!mayDo(guard.scope, "launch") || !mayUseAgent(guard.scope, agent.name)) continue;
    server.registerTool(
      agentToolName(agent.name),
      {
        description: describeAgent(agent),
        inputSchema: launchInput,
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      },
      (input) =>
        answer(async () => {
          guard.check("launch", agent.name);
          const key = input.idempotencyKey;
          const { threadId, status } = await launchThread(deps, {
            agent: agent.name,
            message: input.message,
            ...(input.metadata ? { metadata: input.metadata } : {}),
            ...(key ? { idempotencyKey: apiIdempotencyKey("launch", principal, key) } : {}),
            by,
          });
          return { threadId, status };
        }),
    );
  }
  if (mayDo(guard.scope, "read")) {
    server.registerTool(
      "get_thread",
      {
        description:
          "Read a thread: its status (running, waiting_for_approval, waiting_for_human, done, failed, ...), the call it waits on (pending: callId, kind, tool, args) and its output once done.",
        inputSchema: z.object({ threadId: threadIdInput }),
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      ({ threadId }) =>
        answer(async () => {
          const thread = await guard.thread(deps, threadId, "read");
          const { agent, status, version, pending, output } = summarize(thread);
          return {
            threadId: thread.id,
            agent,
            status,
            version,
            pending,
            output,
            failure: deriveFailure(thread.events),
          };
        }),
    );
  }
  if (mayDo(guard.scope, "decide")) {
    server.registerTool(
      "answer_thread",
      {
        description:
          "Answer the call a thread waits on: an approval ({ callId, approved, comment?, argsHash? }) or a question ({ callId, response }). The thread then runs on.",
        inputSchema: answerInput,
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      },
      ({ threadId, ...reply }) =>
        answer(async () => {
          const id = checkedId(threadId);
          const body = parse(responseBody, reply, "invalid_body", "body");
          await guard.mayTouch(deps, id, "decide");
          return answerCall(deps, id, body, by);
        }),
    );
  }
  if (mayDo(guard.scope, "message")) {
    server.registerTool(
      "message_thread",
      {
        description:
          "Send a thread its next message (a follow-up after done, or the answer to its question: that needs a key that may also decide). The thread then runs on.",
        inputSchema: messageInput,
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      },
      ({ threadId, message, ifRunning }) =>
        answer(async () => {
          const id = checkedId(threadId);
          await guard.mayTouch(deps, id, "message");
          return guard.message(id, (mayAnswer) =>
            messageThread(deps, id, {
              message,
              ...(ifRunning ? { ifRunning } : {}),
              by,
              mayAnswer,
            }),
          );
        }),
    );
  }
}

function describeAgent(agent: Agent): string {
  const tools = agent.tools.map((tool) => tool.name).join(", ");
  return (
    `Launch a thread of the agent "${agent.name}" with { message } as its first message. ` +
    "Answers at once with { threadId, status }: the agent runs on its own; read it with " +
    `get_thread until its status is done (or waits on an approval or a question). Its tools: ${tools}.`
  );
}

/**
 * `run`'s value as a tool result (JSON text and structured content), or a result with `isError`
 * naming the API's error code: for an error the API answers with a 4xx (a refusal, an unknown
 * thread, a call not pending), its message; for a failure of ours (the API's 5xx), which is
 * logged, only that the call may be retried, as the API's `internal` answer says no more.
 */
async function answer(run: () => Promise<object>): Promise<CallToolResult> {
  try {
    const value = (await run()) as Record<string, unknown>;
    return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
  } catch (error) {
    const known = error instanceof TwelveError && saysWhy(httpStatusOf(error));
    if (!known) logger.error("an MCP tool call failed", { error: error as Error });
    const { code, message } = known
      ? error
      : { code: "internal", message: "internal error; the call may be retried" };
    // What the API's answer carries beside them (a refusal's `missing`), as the API has it.
    const details = known && error instanceof HttpError ? error.details : {};
    return {
      isError: true,
      content: [{ type: "text", text: `${code}: ${message}` }],
      structuredContent: { error: { code, message, ...details } },
    };
  }
}
