import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { acknowledgeIndexAccess } from "../nag.ts";
import type { PayloadBucket } from "./payload-bucket.ts";
import type { StepQueues } from "./step-queues.ts";

/** The thread store of a deployment: the table, the payload bucket and the step queues. */
export interface ThreadStoreResources {
  table: Table;
  payloads: PayloadBucket;
  steps: StepQueues;
  /** What every function holding the store reads: the table, the step queue, the bus. */
  environment: { TABLE_NAME: string; STEP_QUEUE_URL: string; EVENT_BUS_NAME: string };
}

/**
 * Lets `fn` read and write threads (the table and its indexes, the payloads) and enqueue steps:
 * what a function that launches or advances threads needs.
 *
 * @example
 * grantThreadWrites(store, worker);
 */
export function grantThreadWrites(store: ThreadStoreResources, fn: LambdaFunction): void {
  store.table.grantReadWriteData(fn);
  acknowledgeIndexAccess(fn, store.table);
  store.payloads.grantReadWrite(fn);
  store.steps.queue.grantSendMessages(fn);
}
