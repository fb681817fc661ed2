/**
 * The prices behind the bench's cost line: AWS list prices for us-east-1 (N. Virginia) as
 * documented on AWS's pricing pages (DynamoDB on-demand, SQS, Lambda), taken on 2026-12-02.
 * They are inputs, not measurements: the bench multiplies them by the units it measures. No free
 * tier, no savings plans, no data transfer or storage.
 */
export const PRICES = {
  takenOn: "2026-12-02",
  region: "us-east-1",
  /** DynamoDB on-demand, Standard table class: per read request unit. */
  dynamoReadUnit: 0.125 / 1e6,
  /** DynamoDB on-demand, Standard table class: per write request unit. */
  dynamoWriteUnit: 0.625 / 1e6,
  /** SQS FIFO queue: per request (each 64 KB chunk of a payload is one). */
  sqsFifoRequest: 0.5 / 1e6,
  /** Lambda: per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on Arm (Graviton), the worker's architecture: per GB-second, billed per 1 ms. */
  lambdaArmGbSecond: 0.0000133334,
} as const;

/** The worker's memory: `TwelveRuntime`'s default (`infra/constructs/handler-function.ts`). */
export const WORKER_MEMORY_MB = 512;
