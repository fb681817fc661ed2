import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import { type IfRunning, message } from "../core/message.ts";
import { deriveHead, type Status, versionOf } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

const ATTEMPTS = 5;

/**
 * A person's message to a thread (`message` in the core says what it becomes), then the step it
 * owes. The append is conditional: a message racing a step or another message retries on the
 * thread the winner saved, where its status may say something else (a 409).
 */
export async function messageThread(
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">,
  threadId: string,
  input: { message: string; ifRunning?: IfRunning },
): Promise<{ threadId: string; status: Status }> {
  for (let attempt = 1; ; attempt++) {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    const event = message(thread, input, deps.clock);
    const events = [...thread.events, event];
    const head = deriveHead(events);
    try {
      const saved = await deps.store.append(thread, [event], head);
      await deps.queue.enqueue({ threadId, version: versionOf(saved) });
      return { threadId, status: head.status };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
