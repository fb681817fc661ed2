import { type IfRunning, message } from "../core/message.ts";
import { type Status, versionOf } from "../core/thread.ts";
import { appendEvent } from "./append-event.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * A person's message to a thread (`message` in the core says what it becomes), then the step it
 * owes. A message racing a step or another message decides again on the thread the winner
 * saved, where its status may say something else (a 409).
 */
export async function messageThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">,
  threadId: string,
  input: { message: string; ifRunning?: IfRunning },
): Promise<{ threadId: string; status: Status }> {
  const { saved, head } = await appendEvent(deps, threadId, (thread) =>
    message(thread, input, deps.clock),
  );
  await deps.queue.enqueue({ threadId, version: versionOf(saved) });
  return { threadId, status: head.status };
}
