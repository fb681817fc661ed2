import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { isInfrastructureError } from "../../shared/aws/infrastructure-errors.ts";
import { parseStepMessage } from "../../shared/aws/sqs/step-queue.ts";
import { isRetryable } from "../../shared/core/errors.ts";
import type { TreeKeys } from "../../shared/core/sub-agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { failPoisonedStep } from "../../shared/runtime/poison.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { type ThreadCacheOptions, withThreadCache } from "../../shared/runtime/thread-cache.ts";
import type { StepObserver } from "../observability/step-observer.ts";
import { treeScope } from "./tree-scope.ts";

/**
 * The step worker (SQS FIFO event source): one reducer step per message, partial batch failures
 * reported so only failed messages come back. After a failure the rest of that thread's messages
 * in the batch are skipped (they would run out of order); other threads go on.
 *
 * The worker keeps the threads it stepped (`CachedThreadStore`) for as long as the handler lives
 * (a warm Lambda container, the local stack's run), so the next step of a thread it holds reads
 * only the events after the version it holds, not the whole thread.
 *
 * An `observer` watches the steps through decorated ports (the model, the tools, the store): a
 * span per step with the model calls and tool runs as children, metrics published per
 * invocation, or a line per step (see `createStepObserver`).
 */
export function createWorkerHandler(
  runtimeDeps: RuntimeDeps,
  logger: Logger,
  options: {
    /** The queue's `maxReceiveCount`: on the last delivery a failing step marks its thread failed. */
    maxReceives: number;
    /** Bounds of the worker's thread cache; `false` loads every thread whole. Default: its own. */
    threadCache?: ThreadCacheOptions | false;
    /** Traces, metrics or a line per step. Default: none. */
    observer?: StepObserver;
  },
) {
  const { observer } = options;
  const cached =
    options.threadCache === false ? runtimeDeps : withThreadCache(runtimeDeps, options.threadCache);
  const trees = treeScope();
  const deps = trees.observe(observer ? observer.instrument(cached) : cached);
  const recordHandler = async (record: SQSRecord) => {
    let message: ReturnType<typeof parseStepMessage>;
    try {
      message = parseStepMessage(record.body);
    } catch (error) {
      // A body that can never parse (a terminal error) would only bounce until the dead-letter
      // queue: drop it now.
      if (isRetryable(error)) throw error;
      logger.error("dropped an invalid step message", { messageId: record.messageId, error });
      return;
    }
    await trees.run(message.threadId, (tree) => stepRecord(record, message, tree));
  };
  /** One parsed step message; its log lines name the thread's tree (`rootThreadId`, ...). */
  const stepRecord = async (
    record: SQSRecord,
    message: ReturnType<typeof parseStepMessage>,
    tree: Partial<TreeKeys>,
  ) => {
    let outcome: Awaited<ReturnType<typeof processStep>>;
    try {
      const run = () => processStep(deps, message);
      outcome = observer ? await observer.step(message, run, tree) : await run();
    } catch (error) {
      const receives = Number(record.attributes.ApproximateReceiveCount);
      // A queued message that keeps failing is not the thread's step: it goes to the dead-letter
      // queue (a redrive sends it again) and leaves the thread as it is. Nor does the
      // infrastructure's failure (DynamoDB throttling past the retries, a 5xx, a dropped
      // connection) fail a thread: the message goes to the dead-letter queue with its alarm, and
      // the thread stays running, for the reconciler to enqueue its step again.
      if (isInfrastructureError(error)) {
        logger.warn("infrastructure error: SQS delivers the step again; the thread is not failed", {
          ...message,
          ...tree,
          receives,
          error,
        });
        throw error;
      }
      if (message.queued) {
        logger.warn("queued message failed; SQS delivers it again", {
          ...message,
          ...tree,
          receives,
          error,
        });
        throw error;
      }
      // An error that says a later attempt fails the same way (no model configured, a thread
      // past its limits) fails the thread now, with the reason, instead of after every delivery.
      if (!isRetryable(error)) {
        const reason = `step ${message.version} failed: ${String(error)} (not retryable, so not tried again)`;
        const marked = await failPoisonedStep(deps, message, reason);
        logger.error("non-retryable step error: the thread is failed, the message dropped", {
          ...message,
          ...tree,
          receives,
          marked,
          error,
        });
        return;
      }
      logger.warn("step failed; SQS delivers it again", { ...message, ...tree, receives, error });
      if (receives >= options.maxReceives) {
        const reason = `step ${message.version} failed on all ${receives} deliveries: ${String(error)}`;
        const marked = await failPoisonedStep(deps, message, reason);
        logger.error("poisoned step: the message goes to the dead-letter queue", {
          ...message,
          ...tree,
          marked,
          error,
        });
      }
      throw error;
    }
    logger.info("step message processed", {
      ...message,
      ...tree,
      outcome,
      messageId: record.messageId,
    });
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new SqsFifoPartialProcessorAsync();
    const run = () =>
      processPartialResponse(event, recordHandler, processor, {
        context,
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      });
    return observer ? observer.invocation(run) : run();
  };
}
