import type { Agent } from "../../shared/core/agent.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import type { Clock, Model } from "../../shared/core/ports.ts";
import { type NextAction, step } from "../../shared/core/step.ts";
import type { Thread } from "../../shared/core/thread.ts";

/** Applies steps in memory until the thread stops asking to continue (at most `limit` steps). */
export async function runUntilIdle(
  thread: Thread,
  deps: { agent: Agent; model: Model; clock: Clock },
  limit = 100,
): Promise<{ thread: Thread; next: NextAction; steps: number }> {
  let current = thread;
  for (let steps = 1; steps <= limit; steps++) {
    const { events, next } = await step(current, deps);
    current = { ...current, events: [...current.events, ...events] };
    if (next.type !== "continue") return { thread: current, next, steps };
  }
  throw new Error(`thread ${thread.id} still running after ${limit} steps`);
}

/** The event types of a thread, for compact assertions. */
export const types = (events: readonly ThreadEvent[]): string[] => events.map((e) => e.type);

/** Appends `event` to `thread`. */
export const withEvent = (thread: Thread, event: ThreadEvent): Thread => ({
  ...thread,
  events: [...thread.events, event],
});

/**
 * Two steps: the one that saves the model's sync call, then the one that runs it (and asks the
 * model again: `model` needs an answer for that too). Returns the second step's events.
 */
export async function saveThenRun(
  thread: Thread,
  deps: { agent: Agent; model: Model; clock: Clock },
): Promise<{ saved: ThreadEvent[]; ran: ThreadEvent[]; next: NextAction }> {
  const first = await step(thread, deps);
  const second = await step({ ...thread, events: [...thread.events, ...first.events] }, deps);
  return { saved: first.events, ran: second.events, next: second.next };
}
