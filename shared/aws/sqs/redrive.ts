import type { SQSClient } from "@aws-sdk/client-sqs";
import type { RuntimeDeps } from "../../runtime/deps.ts";
import { retryFailedThread } from "../../runtime/poison.ts";
import { deleteStepMessage, receiveStepMessages } from "./queues.ts";
import { parseStepMessage } from "./step-message.ts";

/**
 * Drains the dead-letter queue: every dead step's thread (marked `failed` by the worker) gets a
 * `retry_requested` event and its step enqueued again, a dead queued message is sent again as it
 * was; then the dead message is deleted. Run it
 * after fixing what poisoned the steps. Unreadable messages stay in the queue for a person.
 */
export async function redriveDeadLetters(options: {
  client: SQSClient;
  dlqUrl: string;
  deps: Pick<RuntimeDeps, "store" | "queue" | "clock">;
  log: (line: string) => void;
}): Promise<{ retried: number; skipped: number; unreadable: number }> {
  const counts = { retried: 0, skipped: 0, unreadable: 0 };
  for (;;) {
    const messages = await receiveStepMessages(options.client, options.dlqUrl, {
      max: 10,
      waitSeconds: 1,
    });
    if (messages.length === 0) return counts;
    for (const message of messages) {
      let step: ReturnType<typeof parseStepMessage>;
      try {
        step = parseStepMessage(message.Body ?? "");
      } catch (error) {
        counts.unreadable++;
        options.log(`left unreadable message ${message.MessageId} in the queue: ${String(error)}`);
        continue;
      }
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
        if (result === "retried") counts.retried++;
        else counts.skipped++;
        options.log(`${step.threadId} (step ${step.version}): ${result}`);
      }
      await deleteStepMessage(options.client, options.dlqUrl, message.ReceiptHandle ?? "");
    }
  }
}
