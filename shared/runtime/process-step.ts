import { VersionConflictError } from "../core/errors.ts";
import type { StepMessage } from "../core/ports.ts";
import { step } from "../core/step.ts";
import { deriveStatus, type Thread, versionOf } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

/** What the worker did with a step message; logged, and asserted by the tests. */
export type StepOutcome =
  | "stepped" // one reducer step applied and saved
  | "resent" // stale message for a running thread: the step it owes was enqueued again
  | "stale" // stale message for a paused or finished thread: dropped
  | "ahead" // a version the thread never reached: dropped
  | "lost_race" // another delivery saved this step first: dropped
  | "idle" // the thread has nothing to do (paused, done, failed)
  | "not_found"; // no such thread: dropped

/**
 * One Lambda invocation's work (factor 12): load, step, conditional append, then enqueue the next
 * step or announce the pause.
 *
 * At-least-once delivery is handled by comparing the message's version with the stored one. A
 * message older than the thread means its step was saved already; if the thread is still
 * running, the message for the current version may have been lost between the write and the
 * enqueue (a crash), so it is sent again: the queue deduplicates it when it was not lost.
 */
export async function processStep(deps: RuntimeDeps, message: StepMessage): Promise<StepOutcome> {
  const thread = await deps.store.load(message.threadId);
  if (!thread) return "not_found";
  const version = versionOf(thread);
  if (message.version > version) return "ahead";
  if (message.version < version) {
    if (deriveStatus(thread.events) !== "running") return "stale";
    await deps.queue.enqueue({ threadId: thread.id, version });
    return "resent";
  }
  const agent = deps.agents.get(thread.agent);
  if (!agent) {
    const reason = `agent "${thread.agent}" is not served by this deployment`;
    await appendOrLose(deps, thread, [failed(deps, reason)]);
    return "stepped";
  }
  const { events, next } = await step(thread, { agent, model: deps.model, clock: deps.clock });
  if (events.length === 0) return "idle";
  const saved = await appendOrLose(deps, thread, events);
  if (!saved) return "lost_race";
  switch (next.type) {
    case "continue":
      await deps.queue.enqueue({ threadId: thread.id, version: versionOf(saved) });
      break;
    case "pause":
      await deps.notifier.threadWaiting({
        threadId: thread.id,
        agent: thread.agent,
        status: next.status,
        callId: next.pending.callId,
        tool: next.pending.tool,
        args: next.pending.args,
        ...(next.pending.message ? { message: next.pending.message } : {}),
        link: deps.threadLink(thread.id),
      });
      break;
    case "done":
    case "fail":
      break;
    default: {
      const unknown: never = next;
      throw new TypeError(`unknown next action ${JSON.stringify(unknown)}`);
    }
  }
  return "stepped";
}

async function appendOrLose(deps: RuntimeDeps, thread: Thread, events: Thread["events"]) {
  try {
    return await deps.store.append(thread, events);
  } catch (error) {
    if (error instanceof VersionConflictError) return null;
    throw error;
  }
}

const failed = (deps: RuntimeDeps, reason: string) =>
  ({ type: "failed", at: deps.clock.now().toISOString(), data: { reason } }) as const;
