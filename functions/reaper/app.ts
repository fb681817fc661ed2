import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from "aws-lambda";
import { threadOfTtlRemoval } from "../../shared/aws/dynamo/ttl-removal.ts";
import type { ThreadStore } from "../../shared/core/ports.ts";

export type ReapOutcome = "reaped" | "ignored";

/**
 * The reaper (the thread table's stream, filtered to TTL's removals of meta items): TTL counts a
 * thread's retention from its last event and removes only its meta item (event items carry no
 * `expiresAt`, so a living thread never loses events one by one); this deletes what is left of
 * the thread through the store's `delete` (its event items, and whatever else the store keeps for
 * it). A user's delete, an event item's removal and any other record are ignored. Partial batch
 * failures (Powertools): a record whose delete failed comes back, and with it the rest of the
 * shard's batch after it; a delete found nothing to remove is done.
 */
export function createReaperHandler(options: {
  store: Pick<ThreadStore, "delete">;
  logger: Logger;
}) {
  const handle = async (record: DynamoDBRecord): Promise<ReapOutcome> => {
    const threadId = threadOfTtlRemoval(record);
    if (threadId === undefined) {
      options.logger.debug("reaper: not a TTL removal of a meta item", {
        eventName: record.eventName,
        keys: record.dynamodb?.Keys,
      });
      return "ignored";
    }
    await options.store.delete(threadId);
    options.logger.info("reaper: deleted the rest of an expired thread", { threadId });
    return "reaped";
  };
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    return processPartialResponse(event, handle, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
