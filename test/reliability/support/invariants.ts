import { isDeepStrictEqual } from "node:util";
import type { ThreadEvent } from "../../../shared/core/events.ts";
import { deriveOutput, deriveStatus, type Thread } from "../../../shared/core/thread.ts";
import type { SimulationResult } from "./simulation.ts";

/** An event without its timestamp: what must be the same in every run of a scenario. */
const bare = (event: ThreadEvent) => ({ type: event.type, data: event.data });

/**
 * The step protocol's promises, checked on one run against the clean run of the same scenarios.
 * Returns every broken promise as a sentence naming the thread and the evidence; empty when all
 * hold.
 *
 * - No event lost, none appended twice: each thread holds exactly the clean run's events, in
 *   order (timestamps aside).
 * - Every thread ends where the clean run ended: same status, same output; none stays `running`.
 * - No side effect twice: each idempotency key deployed once, the same deployments as the clean
 *   run, every run of one key with the same arguments, and no tool run for a call whose outcome
 *   was already saved.
 * - Nothing left behind: the queue drained, no dead letters, no error but injected crashes, every
 *   pause announced.
 */
export function checkRun(run: SimulationResult, clean: SimulationResult): string[] {
  const broken: string[] = [...run.problems, ...run.unexpected.map((e) => `unexpected ${e}`)];
  for (const [name, expected] of Object.entries(clean.threads)) {
    broken.push(...compareThread(name, expected, run.threads[name]));
  }
  if (run.queue.depth > 0) broken.push(`${run.queue.depth} message(s) still in the queue`);
  if (run.queue.deadLetters > 0) {
    broken.push(`${run.queue.deadLetters} message(s) in the dead-letter queue`);
  }

  const deployedPerKey = countBy(run.deployments.map((d) => d.idempotencyKey));
  for (const [key, count] of deployedPerKey) {
    if (count > 1) broken.push(`deployed ${count} times for idempotency key ${key}`);
  }
  // Keys name the thread: compare by scenario, so runs with other thread ids compare too.
  const deployments = (r: SimulationResult) =>
    r.deployments.map((d) => `${byScenario(r, d.idempotencyKey)} ${d.service} ${d.tag}`).sort();
  if (!isDeepStrictEqual(deployments(run), deployments(clean))) {
    broken.push(
      `deployments differ: ${JSON.stringify(deployments(run))}, clean run ${JSON.stringify(deployments(clean))}`,
    );
  }
  for (const toolRun of run.toolRuns) {
    if (toolRun.afterSaved) {
      broken.push(
        `${toolRun.tool} ran again for ${toolRun.threadId} ${toolRun.callId} after its outcome was saved`,
      );
    }
  }
  const argsPerKey = new Map<string, Set<string>>();
  for (const toolRun of run.toolRuns) {
    const seen = argsPerKey.get(toolRun.idempotencyKey) ?? new Set();
    seen.add(`${toolRun.tool}${toolRun.args}`);
    argsPerKey.set(toolRun.idempotencyKey, seen);
  }
  for (const [key, calls] of argsPerKey) {
    if (calls.size > 1) broken.push(`idempotency key ${key} used for ${[...calls].join(" and ")}`);
  }
  return broken;
}

function compareThread(name: string, expected?: Thread, actual?: Thread): string[] {
  if (!expected) return [`${name}: the clean run has no thread`];
  if (!actual) return [`${name}: lost (no thread stored)`];
  const want = expected.events.map(bare);
  const got = actual.events.map(bare);
  const broken: string[] = [];
  const at = want.findIndex((event, i) => !isDeepStrictEqual(event, got[i]));
  if (at !== -1 || got.length !== want.length) {
    const i = at === -1 ? want.length : at;
    const kind =
      got.length > want.length ? "an extra event" : got.length < want.length ? "a lost event" : "";
    broken.push(
      `${name}: events differ from the clean run at #${i}${kind ? ` (${kind})` : ""}: ` +
        `got ${JSON.stringify(got[i] ?? null)}, expected ${JSON.stringify(want[i] ?? null)}; ` +
        `${got.length} events, expected ${want.length}: ${got.map((e) => e.type).join(",")}`,
    );
  }
  const status = deriveStatus(actual.events);
  if (status === "running") broken.push(`${name}: still running at the end`);
  const expectedStatus = deriveStatus(expected.events);
  if (status !== expectedStatus)
    broken.push(`${name}: ended ${status}, expected ${expectedStatus}`);
  const output = deriveOutput(actual.events);
  const expectedOutput = deriveOutput(expected.events);
  if (output !== expectedOutput) {
    broken.push(
      `${name}: output ${JSON.stringify(output)}, expected ${JSON.stringify(expectedOutput)}`,
    );
  }
  return broken;
}

/** `key` with its thread id replaced by the scenario's name. */
function byScenario(run: SimulationResult, key: string): string {
  for (const [name, threadId] of Object.entries(run.threadIds)) {
    if (key.startsWith(`${threadId}:`)) return `${name}${key.slice(threadId.length)}`;
  }
  return key;
}

function countBy(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Sums counters across runs, for the figures a test prints. */
export function tally(
  into: Record<string, number>,
  counts: Partial<Record<string, number>> | undefined,
): void {
  for (const [key, value] of Object.entries(counts ?? {})) {
    into[key] = (into[key] ?? 0) + (value ?? 0);
  }
}

/**
 * The promises of a run in which people cancel threads while their steps run, redeliver and
 * crash. A cancelled thread holds one `cancelled` event, followed at most by the outcomes of
 * tools that ran in a step the cancel beat (a side effect is never left unrecorded), and what
 * came before is the clean run's thread up to that point (no event lost or doubled). A
 * thread that finished before its cancel arrived holds exactly the clean run's events. Side
 * effects stay once per key, and only ones the clean run made.
 */
export function checkCancelRun(run: SimulationResult, clean: SimulationResult): string[] {
  const broken: string[] = [...run.problems, ...run.unexpected.map((e) => `unexpected ${e}`)];
  for (const [name, expected] of Object.entries(clean.threads)) {
    const actual = run.threads[name];
    const cancelledAt = actual?.events.findIndex((e) => e.type === "cancelled") ?? -1;
    if (!expected || !actual || cancelledAt === -1) {
      broken.push(...compareThread(name, expected, actual));
      continue;
    }
    const got = actual.events.map(bare);
    // Only what a step the cancel beat ran may follow it: the outcome (and a prefetch's call).
    const ran = new Set(run.toolRuns.filter((r) => r.threadId === actual.id).map((r) => r.callId));
    const late = actual.events.slice(cancelledAt + 1);
    const unowed = late.filter(
      (e) =>
        !(
          (e.type === "tool_result" ||
            e.type === "error" ||
            (e.type === "tool_call" && e.data.source === "prefetch")) &&
          e.data.callId !== undefined &&
          ran.has(e.data.callId)
        ),
    );
    if (unowed.length > 0) {
      broken.push(
        `${name}: ${unowed.length} event(s) after the cancellation: ${unowed.map((e) => e.type).join(",")}`,
      );
    }
    const before = got.slice(0, cancelledAt);
    const want = expected.events.map(bare).slice(0, before.length);
    const at = before.findIndex((event, i) => !isDeepStrictEqual(event, want[i]));
    if (at !== -1 || want.length < before.length) {
      broken.push(
        `${name}: before its cancellation the thread differs from the clean run at #${at}: got ${JSON.stringify(before[at] ?? null)}, expected ${JSON.stringify(want[at] ?? null)}`,
      );
    }
    if (deriveStatus(actual.events) !== "cancelled") {
      broken.push(`${name}: ended ${deriveStatus(actual.events)} after a cancellation`);
    }
  }
  if (run.queue.depth > 0) broken.push(`${run.queue.depth} message(s) still in the queue`);
  if (run.queue.deadLetters > 0) {
    broken.push(`${run.queue.deadLetters} message(s) in the dead-letter queue`);
  }
  for (const [key, count] of countBy(run.deployments.map((d) => d.idempotencyKey))) {
    if (count > 1) broken.push(`deployed ${count} times for idempotency key ${key}`);
  }
  const cleanDeployments = new Set(
    clean.deployments.map((d) => `${byScenario(clean, d.idempotencyKey)} ${d.service} ${d.tag}`),
  );
  for (const d of run.deployments) {
    const deployment = `${byScenario(run, d.idempotencyKey)} ${d.service} ${d.tag}`;
    if (!cleanDeployments.has(deployment))
      broken.push(`deployed what the clean run did not: ${deployment}`);
  }
  for (const toolRun of run.toolRuns) {
    if (toolRun.afterSaved) {
      broken.push(
        `${toolRun.tool} ran again for ${toolRun.threadId} ${toolRun.callId} after its outcome was saved`,
      );
    }
  }
  broken.push(...unrecordedRuns(run));
  return broken;
}

/**
 * Tools that ran (a side effect happened) without their result or failure in the thread. An
 * invocation that crashed after its tool ran could save nothing, but its message is delivered
 * again and runs the call again under the same key (after a cancel too), so every call that ran
 * ends with its outcome in the thread, crashed or not.
 */
function unrecordedRuns(run: SimulationResult): string[] {
  const byId = new Map(
    Object.values(run.threads).flatMap((thread) => (thread ? [[thread.id, thread]] : [])),
  );
  return run.toolRuns.flatMap((toolRun) => {
    const kept = byId
      .get(toolRun.threadId)
      ?.events.some(
        (e) =>
          (e.type === "tool_result" && e.data.callId === toolRun.callId) ||
          (e.type === "error" && e.data.code === "tool_failed" && e.data.callId === toolRun.callId),
      );
    return kept
      ? []
      : [`${toolRun.threadId}: ${toolRun.tool} ran for ${toolRun.callId}, no result kept`];
  });
}

/**
 * The promises of a run in which people message threads while their steps run, redeliver and
 * crash (no cancels):
 * - A message the API accepted is in its thread exactly once (as a message or as the answer to
 *   a question); a refused one is not there; one whose request crashed is there at most once.
 * - No tool result forgotten: every tool that ran has its result (or its failure) in the thread,
 *   under the call id it ran with.
 * - Nothing doubled: no call id saved twice, no result saved twice, no side effect twice.
 * - Nothing left behind: every thread ends paused or finished, the queue drained, no dead letters.
 */
export function checkMessageRun(run: SimulationResult): string[] {
  const broken: string[] = [...run.problems, ...run.unexpected.map((e) => `unexpected ${e}`)];
  const byId = new Map<string, Thread>();
  for (const [name, thread] of Object.entries(run.threads)) {
    if (!thread) {
      broken.push(`${name}: lost (no thread stored)`);
      continue;
    }
    byId.set(thread.id, thread);
    if (deriveStatus(thread.events) === "running") broken.push(`${name}: still running at the end`);
    for (const type of ["tool_call", "tool_result"] as const) {
      const ids = thread.events.flatMap((e) => (e.type === type ? [e.data.callId] : []));
      for (const [id, count] of countBy(ids)) {
        if (count > 1) broken.push(`${name}: ${type} ${id} saved ${count} times`);
      }
    }
  }
  for (const message of run.messages) {
    const thread = byId.get(message.threadId);
    const copies = (thread?.events ?? []).filter(
      (e) =>
        (e.type === "user_message" && e.data.message === message.text) ||
        (e.type === "human_response" && e.data.response === message.text),
    ).length;
    const expected = { accepted: [1, 1], refused: [0, 0], crashed: [0, 1] }[message.outcome];
    if (copies < (expected[0] ?? 0) || copies > (expected[1] ?? 0)) {
      broken.push(
        `${message.threadId}: a message ${message.outcome} by the API is in the thread ${copies} times`,
      );
    }
  }
  for (const toolRun of run.toolRuns) {
    const thread = byId.get(toolRun.threadId);
    const kept = thread?.events.some(
      (e) =>
        (e.type === "tool_result" && e.data.callId === toolRun.callId) ||
        (e.type === "error" && e.data.code === "tool_failed" && e.data.callId === toolRun.callId),
    );
    if (!kept) {
      broken.push(`${toolRun.threadId}: ${toolRun.tool} ran for ${toolRun.callId}, no result kept`);
    }
    if (toolRun.afterSaved) {
      broken.push(
        `${toolRun.tool} ran again for ${toolRun.threadId} ${toolRun.callId} after its outcome was saved`,
      );
    }
  }
  for (const [key, count] of countBy(run.deployments.map((d) => d.idempotencyKey))) {
    if (count > 1) broken.push(`deployed ${count} times for idempotency key ${key}`);
  }
  if (run.queue.depth > 0) broken.push(`${run.queue.depth} message(s) still in the queue`);
  if (run.queue.deadLetters > 0) {
    broken.push(`${run.queue.deadLetters} message(s) in the dead-letter queue`);
  }
  return broken;
}
