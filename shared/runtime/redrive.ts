import type { DeadLetterQueue } from "../core/ports.ts";
import { deriveStatus } from "../core/thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { retryFailedThread } from "./poison.ts";

/** What a redrive did: threads retried, letters skipped (not failed, or gone), unreadable ones. */
export interface RedriveCounts {
  retried: number;
  skipped: number;
  unreadable: number;
}

/**
 * Drains the dead-letter queue: every dead step's thread (marked `failed` by the worker) gets a
 * `retry_requested` event and its step enqueued again, a dead step of a cancelled thread and a
 * dead queued message are sent again as they were; then the dead letter is dropped. Run it after fixing what poisoned the steps. Unreadable
 * letters stay in the queue for a person.
 *
 * @example
 * await redriveDeadLetters({ deadLetters: sqsDeadLetterQueue({ client, dlqUrl }), deps, log });
 */
export async function redriveDeadLetters(options: {
  deadLetters: DeadLetterQueue;
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">;
  log: (line: string) => void;
}): Promise<RedriveCounts> {
  const counts: RedriveCounts = { retried: 0, skipped: 0, unreadable: 0 };
  for (;;) {
    const letters = await options.deadLetters.receive();
    if (letters.length === 0) return counts;
    for (const letter of letters) {
      if ("unreadable" in letter) {
        counts.unreadable++;
        options.log(`left unreadable message ${letter.id} in the queue: ${letter.unreadable}`);
        continue;
      }
      const { step } = letter;
      if (step.queued) {
        // A person's queued message, not a step: send it again as it was.
        await options.deps.queue.enqueue(step);
        counts.retried++;
        options.log(`${step.threadId} (queued message): sent again`);
      } else {
        const result = await retryFailedThread(
          options.deps,
          step.threadId,
          "redriven from the dead-letter queue",
        );
        if (result === "not_failed" && (await isCancelled(options.deps, step.threadId))) {
          // Every delivery may have died after the call its step owed ran: the worker runs it
          // again under its key and records its outcome after `cancelled` (or finds it there).
          await options.deps.queue.enqueue(step);
          counts.retried++;
          options.log(
            `${step.threadId} (step ${step.version}): sent again to its cancelled thread`,
          );
        } else {
          if (result === "retried") counts.retried++;
          else counts.skipped++;
          options.log(`${step.threadId} (step ${step.version}): ${result}`);
        }
      }
      await letter.drop();
    }
  }
}

const isCancelled = async (deps: Pick<RuntimeDeps, "store">, threadId: string) => {
  const thread = await deps.store.load(threadId);
  return thread ? deriveStatus(thread.events) === "cancelled" : false;
};
