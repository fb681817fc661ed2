import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetter, DeadLetterQueue } from "../../core/ports.ts";
import { deleteStepMessage, receiveStepMessages } from "./queues.ts";
import { parseStepMessage } from "./step-message.ts";

/**
 * The step queue's SQS dead-letter queue as a `DeadLetterQueue`: it receives up to ten messages
 * at a time, parses each body, and deletes a message when its letter is dropped. What to do with
 * a dead step is the runtime's (`redriveDeadLetters`).
 */
export const sqsDeadLetterQueue = (options: {
  client: SQSClient;
  dlqUrl: string;
}): DeadLetterQueue => ({
  async receive() {
    const messages = await receiveStepMessages(options.client, options.dlqUrl, {
      max: 10,
      waitSeconds: 1,
    });
    return messages.map((message): DeadLetter => {
      const id = message.MessageId ?? "";
      try {
        const step = parseStepMessage(message.Body ?? "");
        const drop = () =>
          deleteStepMessage(options.client, options.dlqUrl, message.ReceiptHandle ?? "");
        return { id, step, drop };
      } catch (error) {
        return { id, unreadable: String(error) };
      }
    });
  },
});
