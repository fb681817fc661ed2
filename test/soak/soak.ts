/**
 * `npm run soak`: many concurrent threads through the whole local stack (DynamoDB Local, fauxqs,
 * the HTTP API, the worker behind the local event source mapping), then a check of every thread.
 *
 *   SOAK_THREADS (500)   threads launched at once through POST /threads
 *   SOAK_POLLERS (8)     concurrent worker invocations (the event source mapping's concurrency)
 *
 * Each thread runs the calculator on "a + b * c" with the demo model: 2 sync tools, then done.
 * Reported: throughput, step latency p50/p99 (from one step's write to the next step's write,
 * which includes the queue hop), and lost / duplicated events against the expected sequence.
 */
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { startLocalStack } from "../../infra/local/stack.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { planArithmetic } from "../../shared/examples/demo-model.ts";

const threads = Number(process.env.SOAK_THREADS ?? 500);
const pollers = Number(process.env.SOAK_POLLERS ?? 8);
const stack = await startLocalStack({
  agents,
  model: new DemoModel(),
  // Every server on a port the OS picks (DynamoDB Local and fauxqs too: the stack starts them).
  port: 0,
  dynamoPort: 0,
  sqsPort: 0,
  dataDir: null,
  pollers,
});
const EXPECTED = [
  "user_message",
  "tool_call",
  "tool_result",
  "tool_call",
  "tool_result",
  "tool_call",
  "done",
];

try {
  const started = performance.now();
  const launches = await Promise.all(
    Array.from({ length: threads }, async (_, i) => {
      const message = `${i} + ${i % 7} * ${(i % 5) + 1}`;
      const response = await fetch(`${stack.url}/threads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "calculator", message }),
      });
      if (response.status !== 202) throw new Error(`launch ${i}: HTTP ${response.status}`);
      const { threadId } = (await response.json()) as { threadId: string };
      return { threadId, message };
    }),
  );
  const launchedMs = performance.now() - started;

  // Wait until every thread is done (or the deadline passes).
  const deadline = Date.now() + 10 * 60_000;
  let done = 0;
  while (Date.now() < deadline) {
    done = 0;
    let cursor: string | undefined;
    do {
      const page = await stack.deps.store.list({
        status: "done",
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      done += page.threads.length;
      cursor = page.next;
    } while (cursor);
    if (done >= threads) break;
    await sleep(250);
  }
  const elapsedMs = performance.now() - started;

  let lost = 0;
  let duplicated = 0;
  let wrong = 0;
  let steps = 0;
  const latencies: number[] = [];
  for (const { threadId, message } of launches) {
    const thread = await stack.deps.store.load(threadId);
    const types = thread?.events.map((e) => e.type) ?? [];
    lost += Math.max(0, EXPECTED.length - types.length);
    duplicated += Math.max(0, types.length - EXPECTED.length);
    const output = thread?.events.at(-1)?.type === "done" ? thread.events.at(-1)?.data : null;
    const plan = planArithmetic(message);
    if (
      types.join() !== EXPECTED.join() ||
      (output as { output?: string })?.output !== `${plan?.expression} = ${plan?.value}`
    )
      wrong++;
    // A step's events share one write; the latency of a step is the gap between two writes.
    const writes = [...new Set(thread?.events.map((e) => e.at))].map((at) => Date.parse(at));
    for (let i = 1; i < writes.length; i++)
      latencies.push((writes[i] as number) - (writes[i - 1] as number));
    steps += writes.length - 1;
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const report = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
    threads,
    pollers,
    done,
    launchSeconds: +(launchedMs / 1000).toFixed(2),
    totalSeconds: +(elapsedMs / 1000).toFixed(2),
    stepsPerSecond: +(steps / (elapsedMs / 1000)).toFixed(1),
    threadsPerSecond: +(done / (elapsedMs / 1000)).toFixed(1),
    stepLatencyMsP50: pct(50),
    stepLatencyMsP99: pct(99),
    lost,
    duplicated,
    wrong,
  };
  console.log(JSON.stringify(report, null, 2));
  if (done < threads || lost || duplicated || wrong) process.exitCode = 1;
} finally {
  await stack.stop();
}
