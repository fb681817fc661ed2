import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { inject, vi } from "vitest";
import type { ReceivedEvent } from "../../infra/local/eventbridge-server.ts";
import {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from "../../infra/local/stack.ts";
import { statuses } from "../../shared/core/thread.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";

/**
 * A local stack on the global setup's emulators (its own table and queues, so stacks running side
 * by side do not meet), its HTTP API and event bus on ports the OS picks, quick redelivery for the
 * recovery tests.
 */
export async function startTestStack(
  options: Partial<
    Pick<
      LocalStackOptions,
      | "apiKey"
      | "apiKeys"
      | "webhookSecrets"
      | "webhookSources"
      | "notifyWebhooks"
      | "notifyDelivery"
      | "noticeRetryDelaysMs"
      | "channels"
      | "log"
      | "model"
      | "agents"
    >
  > = {},
): Promise<LocalStack> {
  const suffix = randomBytes(6).toString("hex");
  return startLocalStack({
    agents,
    model: new DemoModel(),
    port: 0,
    emulators: { dynamoEndpoint: inject("dynamoEndpoint"), sqsEndpoint: inject("sqsEndpoint") },
    tableName: `twelve-threads-${suffix}`,
    payloadBucket: `twelve-payloads-${suffix}`,
    queueName: `twelve-steps-${suffix}`,
    inboxQueueName: `twelve-inbox-${suffix}`,
    undeliveredNoticesQueueName: `twelve-undelivered-notices-${suffix}`,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 5,
    pollers: 2,
    ...options,
  });
}

/** A small HTTP client for the stack's API. */
export function client(stack: LocalStack, token?: string) {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { body: typeof body === "string" ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    request,
    launch: (agent: string, message: string, headers: Record<string, string> = {}) =>
      request("POST", "/threads", { agent, message }, headers),
    get: (threadId: string) => request("GET", `/threads/${threadId}`),
    respond: (threadId: string, body: unknown) =>
      request("POST", `/threads/${threadId}/responses`, body),
    /** Polls until the thread has `status` (or fails after `timeoutMs`). */
    async waitFor(threadId: string, status: string | string[], timeoutMs = 15_000) {
      const wanted = Array.isArray(status) ? status : [status];
      const deadline = Date.now() + timeoutMs;
      let last: { status: number; body: { status?: string } } | undefined;
      while (Date.now() < deadline) {
        last = await request("GET", `/threads/${threadId}`);
        if (last.body?.status && wanted.includes(last.body.status)) return last.body as ThreadView;
        await sleep(50);
      }
      throw new Error(
        `thread ${threadId} never reached ${wanted.join("|")}: ${JSON.stringify(last?.body)}`,
      );
    },
  };
}

export interface ThreadView {
  threadId: string;
  agent: string;
  status: string;
  version: number;
  events: {
    type: string;
    by?: { principal: string; via: string };
    data: Record<string, unknown>;
  }[];
  pending: {
    callId: string;
    kind: string;
    tool: string;
    args: unknown;
    message?: string;
    argsHash?: string;
  } | null;
  output: string | null;
  usage: {
    inputTokens: number;
    outputTokens: number;
    modelCalls: number;
    estimatedCostUsd: number | null;
    unpriced: string[];
  };
}

/** Every thread the store holds, with its version: a rejected request must change none of it. */
export async function storeSnapshot(stack: LocalStack): Promise<Record<string, number>> {
  const all: Record<string, number> = {};
  for (const status of statuses) {
    for (const summary of (await stack.deps.store.list({ status, limit: 100 })).threads) {
      all[summary.threadId] = (await stack.deps.store.load(summary.threadId))?.events.length ?? -1;
    }
  }
  return all;
}

/**
 * The `detailType` notice of `threadId` the stack published. The worker publishes a notice just
 * after the append that changed the thread, so a test that saw the new status waits for it.
 */
export function publishedNotice(
  stack: LocalStack,
  detailType: string,
  threadId: string,
): Promise<ReceivedEvent> {
  return vi.waitFor(
    () => {
      const published = (stack.publishedEvents() as ReceivedEvent[]).find(
        (entry) => entry.detailType === detailType && entry.detail.threadId === threadId,
      );
      if (!published) throw new Error(`no ${detailType} notice of ${threadId} was published`);
      return published;
    },
    { timeout: 10_000, interval: 50 },
  );
}
