import { startDynamoDbLocal, startSqsEmulator } from "../../infra/local/emulators.ts";
import { costPer1000Steps } from "./cost.ts";
import { readWorld, type StepCost } from "./reads.ts";
import { type Result, round, summarize } from "./stats.ts";

const LENGTHS = [10, 100, 1000] as const;

/**
 * Reads and infrastructure cost per step on DynamoDB Local and fauxqs (started here, on ports
 * the OS picks): for each thread length, samples of one step each on a fresh thread of that
 * length, by a worker that loads every thread whole (`twelve-cold`), or by one that holds the
 * thread (`twelve-warm`: the sample is its second step; its first loads the thread whole). Each step is received, run through the worker and
 * deleted, as the SQS event source does with a batch of one.
 */
export async function measureStepReads(options: { quick: boolean }): Promise<Result[]> {
  const steps = options.quick ? 5 : 15;
  const [dynamo, sqs] = await Promise.all([
    startDynamoDbLocal({ port: 0 }),
    startSqsEmulator({ port: 0 }),
  ]);
  try {
    // A thread stepped first and left out: the JIT and the emulators warm up on it.
    const warmUp = await readWorld({ dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint });
    await warmUp.seed(10);
    const runUp = warmUp.worker({ cache: true });
    for (let i = 0; i < steps * 2; i++) await warmUp.step(runUp);
    await warmUp.drain();
    const results: Result[] = [];
    for (const length of LENGTHS) {
      const world = await readWorld({ dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint });
      // Each sample on a thread of its own at `length`, so the threads measured do not grow.
      const cold = world.worker({ cache: false });
      const colds: StepCost[] = [];
      for (let i = 0; i < steps; i++) {
        await world.seed(length);
        colds.push(await world.step(cold));
        await world.drain();
      }
      const warm = world.worker({ cache: true });
      const warms: StepCost[] = [];
      for (let i = 0; i < steps; i++) {
        await world.seed(length);
        await world.step(warm); // loads the thread whole, then holds it
        warms.push(await world.step(warm));
        await world.drain();
      }
      results.push(...rows("twelve-cold", length, colds), ...rows("twelve-warm", length, warms));
    }
    return results;
  } finally {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  }
}

/** The medians (with min–max) of each measure, and the cost of 1,000 such steps. */
function rows(system: string, length: number, costs: readonly StepCost[]): Result[] {
  const measures: [keyof StepCost, string, string, number][] = [
    ["readBytes", "read_bytes_per_step", "B", 0],
    ["readUnits", "read_units_per_step", "RRU", 1],
    ["writeUnits", "write_units_per_step", "WRU", 1],
    ["sqsRequests", "sqs_requests_per_step", "requests", 1],
    ["workerMs", "worker_ms_per_step", "ms", 2],
  ];
  const medians: Partial<Record<keyof StepCost, number>> = {};
  const results: Result[] = measures.map(([key, metric, unit, digits]) => {
    const { median, min, max } = summarize(costs.map((cost) => cost[key]));
    medians[key] = median;
    return {
      system,
      metric,
      threadLength: length,
      value: round(median, digits),
      unit,
      ...(min !== max ? { min: round(min, digits), max: round(max, digits) } : {}),
    };
  });
  const dollars = costPer1000Steps({
    readUnits: medians.readUnits ?? 0,
    writeUnits: medians.writeUnits ?? 0,
    sqsRequests: medians.sqsRequests ?? 0,
    workerMs: medians.workerMs ?? 0,
  });
  for (const [service, value] of Object.entries(dollars)) {
    results.push({
      system,
      metric: service === "total" ? "cost_per_1000_steps" : `cost_per_1000_steps_${service}`,
      threadLength: length,
      value: round(value, 6),
      unit: "USD",
    });
  }
  return results;
}
