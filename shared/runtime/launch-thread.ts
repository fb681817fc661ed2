import type { Actor } from "../core/events.ts";
import { hashArgs } from "../core/hash.ts";
import { launch } from "../core/lifecycle.ts";
import { deriveHead, deriveStatus, type Status, versionOf } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { UnknownAgentError } from "./errors.ts";

export interface LaunchRequest {
  agent: string;
  message: string;
  metadata?: Record<string, unknown>;
  /** The same key returns the same thread (a retried request, a redelivered event). */
  idempotencyKey?: string;
  /** Who launched it: the first event's `by`. */
  by?: Actor;
}

/**
 * The store's key for an API `Idempotency-Key`: scoped by verb and principal, so another key's
 * holder sending the same value, or a fork reusing a launch's value, is a request of its own.
 *
 * @example
 * apiIdempotencyKey("launch", "alice", "req-42"); // 'api:launch:"alice":req-42'
 */
export const apiIdempotencyKey = (verb: "launch" | "fork", principal: string, key: string) =>
  `api:${verb}:${JSON.stringify(principal)}:${key}`;

/**
 * Creates a thread and enqueues its first step (factor 6). A repeated idempotency key returns
 * the first thread; if that thread is still running its step is enqueued again, which the
 * queue's deduplication and the worker's version check make harmless, and which recovers a
 * launch whose first enqueue was lost. The key is bound to the request it came with (a hash of
 * agent, message and canonical metadata): the same key with another request throws
 * `IdempotencyKeyReusedError` instead of answering with a thread that request never made.
 */
export async function launchThread(
  deps: RuntimeDeps,
  request: LaunchRequest,
): Promise<{ threadId: string; status: Status; created: boolean }> {
  const agent = deps.agents.get(request.agent);
  if (!agent) throw new UnknownAgentError(request.agent, [...deps.agents.keys()]);
  const fresh = launch({
    agent,
    threadId: deps.ids.threadId(),
    message: request.message,
    ...(request.metadata ? { metadata: request.metadata } : {}),
    ...(request.by ? { by: request.by } : {}),
    clock: deps.clock,
  });
  const { thread, created } = await deps.store.create({
    thread: fresh,
    head: deriveHead(fresh.events),
    ...(request.idempotencyKey
      ? { idempotencyKey: request.idempotencyKey, fingerprint: launchFingerprint(request) }
      : {}),
  });
  const status = deriveStatus(thread.events);
  if (status === "running") {
    await deps.queue.enqueue({ threadId: thread.id, version: versionOf(thread) });
  }
  return { threadId: thread.id, status, created };
}

/**
 * What identifies a launch request: agent, message and metadata, hashed as canonical JSON (so key
 * order does not matter, and no metadata is the same as `{}`).
 */
export const launchFingerprint = (request: LaunchRequest): string =>
  hashArgs({ agent: request.agent, message: request.message, metadata: request.metadata ?? {} });
