import * as z from "zod";
import { CallbackTokenError } from "../../shared/core/callback.ts";
import { contextOf } from "../../shared/core/context.ts";
import { DEFAULT_PRICES, estimateCost } from "../../shared/core/cost.ts";
import { actor } from "../../shared/core/events.ts";
import { latestCompaction } from "../../shared/core/render.ts";
import {
  deriveFailure,
  deriveUsage,
  parentOf,
  type Status,
  summarize,
  type Thread,
} from "../../shared/core/thread.ts";
import { requestTokens } from "../../shared/core/tokens.ts";
import { answerCall, answerCallback } from "../../shared/runtime/callbacks.ts";
import { cancelThread } from "../../shared/runtime/cancel-thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { forkThread } from "../../shared/runtime/fork-thread.ts";
import { apiIdempotencyKey, launchThread } from "../../shared/runtime/launch-thread.ts";
import { messageThread } from "../../shared/runtime/message-thread.ts";
import { withListedTools } from "../../shared/runtime/resolve-tools.ts";
import { readTree, waitingDescendants } from "../../shared/runtime/sub-agents.ts";
import { serveConsole } from "../console/serve.ts";
import { emailPageDocs, showEmailPage, submitEmailPage } from "./email/pages.ts";
import type { Guard } from "./guard.ts";
import { HttpError, json } from "./http.ts";
import { mcpRoute } from "./mcp/route.ts";
import { openApiDocument } from "./openapi.ts";
import { header, parse, readBody } from "./request.ts";
import {
  agentsAnswer,
  contextAnswer,
  eventsAnswer,
  healthAnswer,
  meAnswer,
  openApiAnswer,
  threadAnswer,
  threadListAnswer,
  threadStatusAnswer,
} from "./responses.ts";
import type { Route } from "./route.ts";
import { checkedId, viaApi } from "./route-helpers.ts";
import {
  callbackBody,
  callbackToken,
  cancelBody,
  forkBody,
  hookBody,
  hookHeaders,
  idempotencyKey,
  launchBody,
  listQuery,
  messageBody,
  responseBody,
  threadId,
} from "./schemas.ts";
import { VERBS } from "./scopes.ts";
import { handleSlackCommands, handleSlackEvents, handleSlackInteractions } from "./slack/http.ts";
import {
  cappedEvents,
  dataRoute,
  deleteThreadRoute,
  eventsQuery,
  eventsRoute,
} from "./thread-routes.ts";
import { handleWebhook } from "./webhooks.ts";

const API_INFO = { title: "Twelve HTTP API", version: "1" };

/**
 * The routes of the HTTP contract (DESIGN.md), plus `GET /threads/{id}/context` (factor 2) and
 * `POST /hooks/{source}` (signed webhooks, factor 11).
 */
/** Why the console's routes need no authorizer: static files, no data, no secret. */
const CONSOLE_IS_PUBLIC = {
  reason:
    "The web console's static page and assets: no data and no secret; every API call the page makes carries the bearer key and goes through the authorizer.",
};

/** Why Slack's routes need no authorizer: the function checks Slack's own signature. */
const SIGNED_BY_SLACK = {
  reason:
    "Slack's requests: the function checks Slack's v0 HMAC-SHA256 signature with a 5-minute window before it reads the body.",
};

/** Why the email pages need no authorizer: the link's own signature is the key. */
const SIGNED_LINK = {
  reason:
    "The pages an approval or question email links to: the function checks the link's HMAC-SHA256 signature (thread, call, argsHash, recipient, expiry) and its expiry; GET changes nothing.",
};

/** Why a callback's route needs no authorizer: its token is the credential. */
const TOKEN_IS_THE_KEY = {
  reason:
    "A callback tool's answer: the path's single-use token (128 random bits, kept only as a sha256 in the thread) is the credential, as in a signed webhook; the function refuses any token no waiting call was given (401).",
};

export const routes: readonly Route[] = [
  {
    method: "GET",
    path: "/console",
    auth: false,
    openAtGateway: CONSOLE_IS_PUBLIC,
    docs: {
      summary: "The web console's page (HTML; no key needed: its API calls carry one)",
      responses: { 200: { description: "the page" }, 404: { description: "no console here" } },
    },
    handle: async ({ consoleAssets }) => serveConsole(consoleAssets, ""),
  },
  // Every client-side route of the page (a deep link to a thread works on reload) and its files.
  {
    method: "GET",
    path: "/console/{path+}",
    auth: false,
    openAtGateway: CONSOLE_IS_PUBLIC,
    docs: {
      summary: "The console's page for a client route (a deep link), or a file under assets/",
      responses: {
        200: { description: "the page, or the file" },
        404: { description: "no such file, or no console here" },
      },
    },
    handle: async ({ consoleAssets, params }) => serveConsole(consoleAssets, params.path ?? ""),
  },
  {
    method: "POST",
    path: "/slack/interactions",
    auth: false,
    openAtGateway: SIGNED_BY_SLACK,
    docs: {
      summary: "Slack's interactions (buttons, modals), signed by Slack",
      responses: {
        200: { description: "taken" },
        401: { description: "unsigned, stale or wrongly signed" },
        404: { description: "Slack is not configured" },
      },
    },
    handle: (context) => handleSlackInteractions(context),
  },
  {
    method: "POST",
    path: "/slack/commands",
    auth: false,
    openAtGateway: SIGNED_BY_SLACK,
    docs: {
      summary: "A Slack slash command that launches an agent, signed by Slack",
      responses: {
        200: { description: "an ephemeral answer: started, or how to say it" },
        401: { description: "unsigned, stale or wrongly signed" },
        404: { description: "Slack is not configured" },
      },
    },
    handle: (context) => handleSlackCommands(context),
  },
  {
    method: "POST",
    path: "/slack/events",
    auth: false,
    openAtGateway: SIGNED_BY_SLACK,
    docs: {
      summary: "Slack's Events API (url_verification, replies, mentions), signed by Slack",
      responses: {
        200: { description: "taken, or the challenge answered" },
        401: { description: "unsigned, stale or wrongly signed" },
        404: { description: "Slack is not configured" },
      },
    },
    handle: (context) => handleSlackEvents(context),
  },
  {
    method: "GET",
    path: "/email/decisions",
    auth: false,
    openAtGateway: SIGNED_LINK,
    docs: emailPageDocs.show,
    handle: (context) => showEmailPage(context),
  },
  {
    method: "POST",
    path: "/email/decisions",
    auth: false,
    openAtGateway: SIGNED_LINK,
    docs: emailPageDocs.submit,
    handle: (context) => submitEmailPage(context),
  },
  {
    method: "GET",
    path: "/agents",
    auth: true,
    docs: {
      summary: "The agents this deployment serves, with their tools",
      responses: { 200: { description: "the agents, by name", body: agentsAnswer } },
    },
    handle: async ({ deps, guard }) =>
      json(200, {
        agents: [...deps.agents.values()]
          .filter((agent) => guard.sees(agent.name))
          .map((agent) => ({
            name: agent.name,
            tools: agent.tools.map((tool) => ({ name: tool.name, kind: tool.kind })),
          })),
      }),
  },
  {
    method: "GET",
    path: "/me",
    auth: true,
    docs: {
      summary:
        "Who the key is and what it may do: the principal, its agents (null: every agent) and verbs",
      responses: { 200: { description: "the key's principal and scope", body: meAnswer } },
    },
    handle: async ({ guard }) =>
      json(200, {
        principal: guard.principal,
        agents: guard.scope.agents ?? null,
        can: guard.scope.can ?? VERBS,
      }),
  },
  {
    method: "GET",
    path: "/health",
    auth: false,
    docs: { summary: "Liveness", responses: { 200: { description: "up", body: healthAnswer } } },
    handle: async () => json(200, { status: "ok" }),
  },
  // Load balancers and uptime checks probe with HEAD: the same answer, without a body.
  {
    method: "HEAD",
    path: "/health",
    auth: false,
    docs: { summary: "Liveness, without a body", responses: { 200: { description: "up" } } },
    handle: async () => ({ ...json(200, { status: "ok" }), body: "" }),
  },
  {
    method: "GET",
    path: "/openapi.json",
    auth: true,
    docs: {
      summary: "This document: the OpenAPI 3.1 description of the HTTP API",
      responses: { 200: { description: "the document", body: openApiAnswer } },
    },
    handle: async () => json(200, openApiDocument(routes, API_INFO)),
  },
  {
    method: "POST",
    path: "/threads",
    auth: true,
    verb: "launch",
    docs: {
      summary: "Launch a thread",
      body: launchBody,
      headers: {
        "Idempotency-Key": {
          schema: idempotencyKey,
          description: "a repeat with the same key answers the first launch's thread",
        },
      },
      responses: {
        202: { description: "launched", body: threadStatusAnswer },
        400: { description: "invalid body, encoding or header, or metadata the agent refuses" },
        403: { description: "the key may not launch, or not this agent" },
        404: { description: "unknown agent" },
        413: { description: "body too large" },
        422: { description: "the idempotency key was used for another request" },
      },
    },
    handle: async ({ deps, event, principal, guard, maxBodyBytes }) => {
      const body = readBody(event, launchBody, maxBodyBytes);
      guard.check("launch", body.agent);
      const rawKey = header(event, "idempotency-key");
      const key =
        rawKey === undefined
          ? undefined
          : parse(idempotencyKey, rawKey, "invalid_header", "header Idempotency-Key");
      const { threadId: id, status } = await launchThread(deps, {
        agent: body.agent,
        message: body.message,
        ...(body.metadata ? { metadata: body.metadata } : {}),
        ...(key ? { idempotencyKey: apiIdempotencyKey("launch", principal, key) } : {}),
        by: viaApi(principal),
      });
      return json(202, { threadId: id, status });
    },
  },
  {
    method: "GET",
    path: "/threads",
    auth: true,
    verb: "read",
    docs: {
      summary:
        "List threads, most recently updated first (only those of the key's agents: a page may hold fewer than limit)",
      query: listQuery,
      responses: {
        200: { description: "one page", body: threadListAnswer },
        400: { description: "invalid query or cursor" },
        403: { description: "the key may not read, or not the agent asked for" },
      },
    },
    handle: async ({ deps, event, guard }) => {
      const query = parse(listQuery, event.queryStringParameters ?? {}, "invalid_query", "query");
      const page = await guard.list(deps, {
        ...(query.status ? { status: query.status } : {}),
        limit: query.limit,
        ...(query.agent ? { agent: query.agent } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return json(200, page);
    },
  },
  {
    method: "GET",
    path: "/threads/{id}",
    auth: true,
    verb: "read",
    docs: {
      summary: "A thread: its status, events, pending call (or callback) and output",
      params: { id: threadId },
      responses: {
        200: { description: "the thread", body: threadAnswer },
        403: { description: "the key may not read, or not this thread's agent" },
        404: { description: "no such thread" },
      },
    },
    handle: async ({ deps, params, guard }) => {
      const thread = await guard.thread(deps, params.id, "read");
      const {
        threadId: id,
        agent,
        status,
        version,
        pending,
        callback,
        output,
        usage,
      } = summarize(thread);
      const cost = estimateCost(thread.events, deps.prices ?? DEFAULT_PRICES);
      const parent = parentOf(thread.events);
      return json(200, {
        threadId: id,
        agent,
        status,
        version,
        // Capped: a long thread would pass Lambda's 6 MB answer (see `cappedEvents`).
        ...cappedEvents(thread),
        pending,
        // Only while a callback tool's call waits: its expiry, for the console and for clients.
        ...(callback ? { callback } : {}),
        output,
        failure: deriveFailure(thread.events),
        usage: { ...usage, ...cost },
        ...(thread.forkedFrom ? { forkedFrom: thread.forkedFrom } : {}),
        ...(parent ? { parent } : {}),
        ...(await treeOf(deps, thread, status, guard)),
      });
    },
  },
  {
    method: "DELETE",
    path: "/threads/{id}",
    auth: true,
    verb: "delete",
    docs: {
      summary:
        "Delete a thread, its events and their objects in the payload bucket, and the child threads its agent tools launched (a deleted child ends its waiting parent's call with an error the model reads)",
      params: { id: threadId },
      responses: {
        204: { description: "deleted" },
        403: { description: "the key may not delete, or not this thread's agent" },
        404: { description: "no such thread" },
      },
    },
    handle: async ({ deps, params, guard }) => {
      await guard.mayTouch(deps, params.id, "delete");
      return deleteThreadRoute(deps, params.id);
    },
  },
  {
    method: "GET",
    path: "/threads/{id}/events",
    auth: true,
    verb: "read",
    docs: {
      summary: "A page of a thread's events, oldest first",
      params: { id: threadId },
      query: eventsQuery,
      responses: {
        200: { description: "one page", body: eventsAnswer },
        400: { description: "invalid query" },
        403: { description: "the key may not read, or not this thread's agent" },
        404: { description: "no such thread" },
      },
    },
    handle: async ({ deps, event, params, guard }) => {
      await guard.mayTouch(deps, params.id, "read");
      return eventsRoute(deps, params.id, event.queryStringParameters ?? {});
    },
  },
  {
    method: "GET",
    path: "/threads/{id}/events/{version}/data",
    auth: true,
    verb: "read",
    docs: {
      summary:
        "One event's data, whole: 200 with the data as the body, or a 307 to a presigned S3 URL (15 minutes) for data kept in the payload bucket; the link of an event too large for an answer",
      params: { id: threadId, version: z.string().regex(/^[1-9][0-9]{0,8}$/) },
      responses: {
        200: { description: "the event's data (JSON)", body: z.unknown() },
        307: {
          description: "the data is in the payload bucket: follow `Location` (no key needed)",
          body: z.looseObject({ location: z.string() }),
        },
        400: { description: "a version the thread does not have" },
        403: { description: "the key may not read, or not this thread's agent" },
        404: { description: "no such thread" },
      },
    },
    handle: async ({ deps, params, guard }) => {
      await guard.mayTouch(deps, params.id, "read");
      return dataRoute(deps, params.id, params.version);
    },
  },
  {
    method: "GET",
    path: "/threads/{id}/context",
    auth: true,
    verb: "read",
    docs: {
      summary:
        "What the model sees next: the rendered messages and tools (factor 2), their estimated tokens, the agent's budget and the compaction in force",
      params: { id: threadId },
      responses: {
        200: { description: "the context", body: contextAnswer },
        403: { description: "the key may not read, or not this thread's agent" },
        404: { description: "no such thread" },
      },
    },
    handle: async ({ deps, params, guard }) => {
      const thread = await guard.thread(deps, params.id, "read");
      const agent = deps.agents.get(thread.agent);
      if (!agent)
        throw new HttpError("unknown_agent", `agent "${thread.agent}" is not served here`);
      // The tools of its MCP servers too: what the model is shown (the agent's own on an outage,
      // and why the others are missing).
      const { agent: shown, toolsUnavailable } = await withListedTools(agent);
      const request = contextOf(shown, thread);
      const compaction = latestCompaction(thread.events);
      return json(200, {
        ...request,
        toolsUnavailable: toolsUnavailable ?? null,
        tokens: requestTokens(request, agent.countTokens),
        contextBudget: agent.contextBudget ?? null,
        compaction: compaction
          ? (({ summary: _summary, ...range }) => range)(compaction.data)
          : null,
      });
    },
  },
  {
    method: "POST",
    path: "/threads/{id}/responses",
    auth: true,
    verb: "decide",
    docs: {
      summary:
        "Answer the call a thread waits on: an approval decision, a human's answer, or a callback tool's result",
      params: { id: threadId },
      body: responseBody,
      responses: {
        202: {
          description: "recorded (a repeat of the same answer is recorded once)",
          body: threadStatusAnswer,
        },
        400: { description: "invalid body" },
        403: { description: "the key may not decide, or not this thread's agent" },
        404: { description: "no such thread" },
        409: {
          description:
            "the thread does not wait on that call (not_pending), or is cancelled or failed (thread_closed)",
        },
      },
    },
    handle: async ({ deps, event, params, principal, guard, maxBodyBytes }) => {
      const id = checkedId(params.id);
      const body = readBody(event, responseBody, maxBodyBytes);
      await guard.mayTouch(deps, id, "decide");
      return json(202, await answerCall(deps, id, body, viaApi(principal)));
    },
  },
  {
    method: "POST",
    path: "/callbacks/{token}",
    auth: false,
    openAtGateway: TOKEN_IS_THE_KEY,
    docs: {
      summary: "Answer a callback tool's call: the token its start was handed is the credential",
      params: { token: callbackToken },
      body: callbackBody,
      responses: {
        202: {
          description: "recorded (the same answer again is recorded once); the thread runs on",
          body: threadStatusAnswer,
        },
        400: { description: "the body does not match the tool's result schema (invalid_result)" },
        401: { description: "no waiting call was given this token (invalid_callback_token)" },
        409: {
          description:
            "the callback was answered otherwise or expired (not_pending), or its thread is cancelled or failed (thread_closed)",
        },
      },
    },
    handle: async ({ deps, event, params, maxBodyBytes }) => {
      const token = callbackToken.safeParse(params.token);
      if (!token.success) throw new CallbackTokenError();
      const body = readBody(event, callbackBody, maxBodyBytes);
      return json(202, await answerCallback(deps, token.data, body));
    },
  },
  {
    method: "POST",
    path: "/threads/{id}/messages",
    auth: true,
    verb: "message",
    docs: {
      summary: "The next message of a conversation, or the answer to a pending question",
      params: { id: threadId },
      body: messageBody,
      responses: {
        202: {
          description:
            "recorded, or queued behind the step in flight (ifRunning enqueue); the thread runs",
          body: threadStatusAnswer,
        },
        400: { description: "invalid body" },
        403: {
          description:
            "the key may not message, or not this thread's agent; or the thread waits for a person's answer and the key may not decide",
        },
        404: { description: "no such thread" },
        409: {
          description:
            "waiting for a decision (approval_pending), running with ifRunning reject (thread_busy) or with as many messages queued as it may hold (queue_full), failed or cancelled (thread_closed), or too many writers at once (version_conflict: send it again)",
        },
      },
    },
    handle: async ({ deps, event, params, principal, guard, maxBodyBytes }) => {
      const id = checkedId(params.id);
      const body = readBody(event, messageBody, maxBodyBytes);
      await guard.mayTouch(deps, id, "message");
      const by = viaApi(principal);
      const sent = await guard.message(id, (mayAnswer) =>
        messageThread(deps, id, { ...body, by, mayAnswer }),
      );
      return json(202, sent);
    },
  },
  {
    method: "POST",
    path: "/threads/{id}/fork",
    auth: true,
    verb: "fork",
    docs: {
      summary: "Fork a thread: a new thread with a copy of its events up to a version",
      params: { id: threadId },
      body: forkBody,
      bodyOptional: true,
      headers: {
        "Idempotency-Key": {
          schema: idempotencyKey,
          description: "a repeat with the same key answers the first fork",
        },
      },
      responses: {
        201: {
          description: "forked",
          body: threadStatusAnswer.extend({
            forkedFrom: z.object({
              threadId: z.string(),
              version: z.int().min(1),
              by: actor.optional(),
            }),
          }),
        },
        400: { description: "invalid body or header, or a version outside 1..latest" },
        403: { description: "the key may not fork, or not this thread's agent" },
        404: { description: "no such thread" },
        409: { description: "a version at or after the thread's cancellation (thread_closed)" },
        422: { description: "the idempotency key was used for another request" },
      },
    },
    handle: async ({ deps, event, params, principal, guard, maxBodyBytes }) => {
      const id = checkedId(params.id);
      const body = (event.body ?? "") === "" ? {} : readBody(event, forkBody, maxBodyBytes);
      const rawKey = header(event, "idempotency-key");
      const key =
        rawKey === undefined
          ? undefined
          : parse(idempotencyKey, rawKey, "invalid_header", "header Idempotency-Key");
      await guard.mayTouch(deps, id, "fork");
      const forked = await forkThread(deps, {
        threadId: id,
        ...(body.version === undefined ? {} : { version: body.version }),
        ...(key ? { idempotencyKey: apiIdempotencyKey("fork", principal, key) } : {}),
        by: viaApi(principal),
      });
      return json(201, forked);
    },
  },
  {
    method: "POST",
    path: "/threads/{id}/cancel",
    auth: true,
    verb: "cancel",
    docs: {
      summary: "Cancel a thread",
      params: { id: threadId },
      body: cancelBody,
      bodyOptional: true,
      responses: {
        202: { description: "cancelled", body: threadStatusAnswer },
        400: { description: "invalid body" },
        403: { description: "the key may not cancel, or not this thread's agent" },
        404: { description: "no such thread" },
        409: { description: "the thread is done or failed (thread_closed)" },
      },
    },
    handle: async ({ deps, event, params, principal, guard, maxBodyBytes }) => {
      const id = checkedId(params.id);
      const body = (event.body ?? "") === "" ? {} : readBody(event, cancelBody, maxBodyBytes);
      await guard.mayTouch(deps, id, "cancel");
      return json(202, await cancelThread(deps, id, { ...body, by: viaApi(principal) }));
    },
  },
  {
    method: "POST",
    path: "/hooks/{source}",
    // Signed with HMAC instead of the bearer token: external systems hold a per-source secret.
    auth: false,
    docs: {
      summary: "A signed webhook: launch a thread or answer a waiting call",
      body: hookBody,
      headers: hookHeaders,
      responses: {
        202: { description: "launched or answered", body: threadStatusAnswer },
        400: { description: "invalid body" },
        401: { description: "unsigned, wrongly signed, stale or replayed" },
        404: { description: "unknown source, agent or thread" },
        409: { description: "the thread does not wait on that call" },
        422: { description: "the idempotency key was used for another request" },
      },
    },
    openAtGateway: {
      reason:
        "Signed webhook: the function checks an HMAC-SHA256 signature with a 5-minute window and replay protection before it reads the body.",
    },
    handle: async ({ deps, event, params, maxBodyBytes, webhooks }) =>
      json(202, await handleWebhook(deps, event, params.source ?? "", webhooks, maxBodyBytes)),
  },
  mcpRoute,
];

/**
 * The child threads under a thread that launched any (its agent tools' calls), with the usage
 * and estimated cost of the whole tree rolled up; nothing for a thread without children. A key
 * limited to some agents sees only the children and waiting descendants of its agents (their
 * ids, calls and arguments are theirs to read); the roll-up stays the whole tree's totals, which
 * name no thread.
 */
async function treeOf(deps: RuntimeDeps, thread: Thread, status: Status, guard: Guard) {
  if (!thread.events.some((event) => event.type === "child_requested")) return {};
  const { children, events, loaded } = await readTree(deps, thread);
  const cost = estimateCost(events, deps.prices ?? DEFAULT_PRICES);
  // What a tree waits on shows at its root: the children down to the one a person answers,
  // walked over the threads the tree already loaded.
  const store = { load: async (id: string) => loaded.get(id) ?? deps.store.load(id) };
  const readable = <T extends { agent: string }>(nodes: readonly T[]) =>
    nodes.filter((node) => guard.sees(node.agent));
  return {
    children: readable(children),
    treeUsage: { ...deriveUsage(events), ...cost },
    ...(status === "waiting_for_agent"
      ? { descendants: readable(await waitingDescendants({ store }, thread)) }
      : {}),
  };
}
