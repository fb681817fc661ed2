import type { Actor } from "../core/events.ts";
import { type IfRunning, message } from "../core/message.ts";
import { type Status, versionOf } from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * A person's message to a thread (`message` in the core says what it becomes), then the step it
 * owes. A running thread follows `ifRunning`, or its agent's `onRunning`: a queued message goes
 * to the step queue behind the step in flight (the worker adds it once that step is saved); an
 * interrupting one is appended now, so the step in flight loses its append. A message racing a
 * step or another message decides again on the thread the winner saved, where its status may
 * say something else (a 409).
 *
 * @example
 * await messageThread(deps, threadId, { message: "And times 3?", ifRunning: "interrupt" });
 */
export async function messageThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock" | "agents">,
  threadId: string,
  input: { message: string; ifRunning?: IfRunning; by?: Actor },
): Promise<{ threadId: string; status: Status }> {
  let queue = false;
  const { saved, head } = await appendEvent(deps, threadId, (thread) => {
    const ifRunning = input.ifRunning ?? deps.agents.get(thread.agent)?.onRunning ?? "enqueue";
    const decision = message(thread, { ...input, ifRunning }, deps.clock);
    queue = decision.type === "enqueue";
    return decision.type === "append" ? decision.event : null;
  });
  const at = deps.clock.now().toISOString();
  const version = versionOf(saved);
  await deps.queue.enqueue(
    queue
      ? { threadId, version, queued: { message: input.message, at, ...who(input.by) } }
      : { threadId, version },
  );
  return { threadId, status: head.status };
}

const who = (by: Actor | undefined) => (by ? { by } : {});
