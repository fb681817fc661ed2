import { cancel } from "../core/cancel.ts";
import { ThreadNotFoundError, VersionConflictError } from "../core/errors.ts";
import { deriveHead } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";

const ATTEMPTS = 5;

/**
 * Cancels a thread. The append is conditional like every other: it wins against the step in
 * flight (whose append then conflicts and is dropped) or retries on the thread that step saved,
 * so nothing is ever appended after the cancellation.
 */
export async function cancelThread(
  deps: Pick<RuntimeDeps, "store" | "clock">,
  threadId: string,
  input: { reason?: string } = {},
): Promise<{ threadId: string; status: "cancelled" }> {
  for (let attempt = 1; ; attempt++) {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    const event = cancel(thread, input, deps.clock);
    if (!event) return { threadId, status: "cancelled" };
    try {
      await deps.store.append(thread, [event], deriveHead([...thread.events, event]));
      return { threadId, status: "cancelled" };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
