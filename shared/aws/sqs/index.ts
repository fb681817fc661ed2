export { IncompleteSqsMessageError, InvalidStepMessageError } from "./errors.ts";
export {
  deleteStepMessage,
  ensureStepQueues,
  receiveStepMessages,
  type StepQueueSpec,
  type StepQueues,
} from "./queues.ts";
export { toSqsRecord } from "./sqs-event.ts";
export {
  messageDeduplicationId,
  messageGroupId,
  parseStepMessage,
  stepMessageBody,
  stepMessageSchema,
  validateStepMessage,
} from "./step-message.ts";
export { SqsStepQueue, type SqsStepQueueOptions, sendMessageInput } from "./step-queue.ts";
