import { ThreadNotFoundError } from "../core/errors.ts";
import type { Actor } from "../core/events.ts";
import { type IfRunning, message } from "../core/message.ts";
import { deriveHead, type Status, versionOf } from "../core/thread.ts";
import { appendDelivering, retryOnConflict } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * A person's message to a thread (`message` in the core says what it becomes), then the step it
 * owes. A running thread follows `ifRunning`, or its agent's `onRunning`: a queued message is
 * kept in the store beside the thread (`store.queueMessage`, which leaves the version alone, so
 * the step in flight still saves, and delivers it with its own events); an interrupting one is
 * appended now, so the step in flight loses its append. A message racing a step or another
 * message decides again on the thread the winner saved, where its status may say something else
 * (a 409).
 *
 * @example
 * await messageThread(deps, threadId, { message: "And times 3?", ifRunning: "interrupt" });
 */
export async function messageThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock" | "agents" | "random">,
  threadId: string,
  input: { message: string; ifRunning?: IfRunning; by?: Actor; mayAnswer?: boolean },
): Promise<{ threadId: string; status: Status }> {
  const { saved, queued } = await retryOnConflict(deps, async () => {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    const ifRunning = input.ifRunning ?? deps.agents.get(thread.agent)?.onRunning ?? "enqueue";
    const decision = message(thread, { ...input, ifRunning }, deps.clock);
    if (decision.type === "append") {
      return { saved: await appendDelivering(deps, thread, [decision.event]), queued: false };
    }
    const at = deps.clock.now().toISOString();
    const waiting = {
      message: input.message,
      at,
      ...(input.by ? { by: input.by } : {}),
      // Checked again on delivery: the step in flight may end in a question.
      ...(input.mayAnswer === false ? { mayAnswer: false as const } : {}),
    };
    return { saved: await deps.store.queueMessage(thread, waiting), queued: true };
  });
  // A queued message owes no step of its own: the step in flight delivers it when it saves (and
  // the reconciler re-enqueues a running thread whose step message was lost).
  if (!queued) await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  return { threadId, status: deriveHead(saved.events).status };
}
