import { PRICES, WORKER_MEMORY_MB } from "./prices.ts";

/** What one step used, as measured: the inputs of its infrastructure price. */
export interface StepUnits {
  readUnits: number;
  writeUnits: number;
  sqsRequests: number;
  /** The worker invocation's duration. */
  workerMs: number;
}

/** Dollars per 1,000 steps, by service (the model left out). */
export interface StepCost {
  dynamoReads: number;
  dynamoWrites: number;
  sqs: number;
  lambdaRequests: number;
  lambdaDuration: number;
  total: number;
}

/**
 * Infrastructure dollars per 1,000 steps from measured units and `PRICES`: DynamoDB on-demand
 * reads and writes, SQS FIFO requests, and one Lambda invocation per step billed per 1 ms at
 * the worker's memory.
 *
 * @example
 * costPer1000Steps({ readUnits: 1, writeUnits: 12, sqsRequests: 3, workerMs: 9 }).total;
 */
export function costPer1000Steps(units: StepUnits): StepCost {
  const gbSeconds = (Math.ceil(units.workerMs) / 1000) * (WORKER_MEMORY_MB / 1024);
  const perStep = {
    dynamoReads: units.readUnits * PRICES.dynamoReadUnit,
    dynamoWrites: units.writeUnits * PRICES.dynamoWriteUnit,
    sqs: units.sqsRequests * PRICES.sqsFifoRequest,
    lambdaRequests: PRICES.lambdaRequest,
    lambdaDuration: gbSeconds * PRICES.lambdaArmGbSecond,
  };
  const per1000 = Object.fromEntries(
    Object.entries(perStep).map(([service, dollars]) => [service, dollars * 1000]),
  ) as Omit<StepCost, "total">;
  const total = Object.values(per1000).reduce((sum, dollars) => sum + dollars, 0);
  return { ...per1000, total };
}
