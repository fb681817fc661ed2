import { Logger } from "@aws-lambda-powertools/logger";
import { launch } from "../../shared/core/lifecycle.ts";
import type {
  ReplayGuard,
  StepMessage,
  StepQueue,
  ThreadWaitingNotice,
} from "../../shared/core/ports.ts";
import { deriveHead, statuses, type Thread } from "../../shared/core/thread.ts";
import { agents, calculator } from "../../shared/examples/agents.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";

/**
 * fast-check parameters: `bounded` cases per property in `npm test`, or `SOAK_CASES` of them in a
 * soak run (every property gets the same count, so a soak run means "at least N cases each").
 * `FC_SEED` replays the run a failure report names.
 */
export function runs(bounded: number): { numRuns: number; seed?: number } {
  const soak = Number(process.env.SOAK_CASES);
  const seed = Number(process.env.FC_SEED);
  return {
    numRuns: Number.isInteger(soak) && soak > 0 ? soak : bounded,
    ...(process.env.FC_SEED && Number.isInteger(seed) ? { seed } : {}),
  };
}

/** Per-test timeout: the project's 20 s fits the bounded runs; a soak run may take minutes. */
export const timeout = process.env.SOAK_CASES ? 30 * 60_000 : 20_000;

/** Handlers log through Powertools; the properties assert behaviour, not log lines. */
export const silentLogger = new Logger({ serviceName: "property-tests", logLevel: "SILENT" });

/** A step queue that remembers what was sent, so a test can tell whether anything was. */
export class RecordingQueue implements StepQueue {
  readonly sent: StepMessage[] = [];
  async enqueue(message: StepMessage): Promise<void> {
    this.sent.push({ ...message });
  }
}

/** A replay guard that remembers its claims, so a test can tell whether a delivery was claimed. */
export class RecordingReplayGuard implements ReplayGuard {
  readonly claimed = new Map<string, string | undefined>();
  async claim(key: string, _expiresAt: Date, owner?: string): Promise<boolean> {
    if (this.claimed.has(key)) return owner !== undefined && this.claimed.get(key) === owner;
    this.claimed.set(key, owner);
    return true;
  }
  async release(key: string): Promise<void> {
    this.claimed.delete(key);
  }
}

/** The one configured webhook source and its secret. */
export const HOOK_SOURCE = "github";
export const HOOK_SECRET = "hook-secret-0123456789abcdef";

/** Where every world's clock starts (it moves a second per reading). */
export const CLOCK_START = "2026-01-01T00:00:00.000Z";

/** The seeded threads, one per interesting state, by role. */
export interface Seeds {
  running: Thread;
  approval: Thread;
  human: Thread;
  done: Thread;
  failed: Thread;
}

/** The idempotency key the running seed was launched with: a replayed launch names it. */
export const SEED_KEY = "seed-running-key";

export interface World {
  deps: RuntimeDeps;
  store: MemoryThreadStore;
  queue: RecordingQueue;
  notices: ThreadWaitingNotice[];
  replayGuard: RecordingReplayGuard;
  seeds: Seeds;
}

function deps(store: MemoryThreadStore, queue: RecordingQueue, notices: ThreadWaitingNotice[]) {
  let next = 0;
  return {
    agents: agentMap(agents),
    store,
    queue,
    notifier: { threadWaiting: async (notice: ThreadWaitingNotice) => void notices.push(notice) },
    model: new DemoModel(),
    clock: steppingClock(CLOCK_START),
    // Deterministic, and in the alphabet of real ids, so a path naming one is routable.
    ids: { threadId: () => `thr_case${++next}` },
    threadLink: (id: string) => `https://api.example.test/threads/${id}`,
  } satisfies RuntimeDeps;
}

/** Runs the demo model until no step is queued (or a step budget runs out). */
async function settle(world: RuntimeDeps, queue: RecordingQueue): Promise<void> {
  for (let i = 0; i < 50 && queue.sent.length > 0; i++) {
    const message = queue.sent.shift() as StepMessage;
    await processStep(world, message);
  }
}

/**
 * The seeds are built once with the real runtime and demo model: a thread waiting for approval
 * (a division), one waiting for a human (no arithmetic to do), one done, one failed, one running.
 */
async function buildSeeds(): Promise<Seeds> {
  const store = new MemoryThreadStore();
  const queue = new RecordingQueue();
  const seedDeps = { ...deps(store, queue, []), ids: counterIds("thr_seed") };
  const launchAndSettle = async (message: string, key?: string) => {
    const { threadId } = await launchThread(seedDeps, {
      agent: "calculator",
      message,
      ...(key ? { idempotencyKey: key } : {}),
    });
    await settle(seedDeps, queue);
    return (await store.load(threadId)) as Thread;
  };
  const approval = await launchAndSettle("10 / 5");
  const human = await launchAndSettle("hello there");
  const done = await launchAndSettle("1 + 2");
  const doomed = launch({
    agent: calculator,
    threadId: "thr_seed_failed",
    message: "3 * 4",
    clock: seedDeps.clock,
  });
  await store.create({ thread: doomed, head: deriveHead(doomed.events) });
  const failedAt = seedDeps.clock.now().toISOString();
  const failed = await store.append(
    doomed,
    [{ type: "failed", at: failedAt, data: { reason: "seeded failure" } }],
    { status: "failed", updatedAt: failedAt },
  );
  const { threadId } = await launchThread(seedDeps, {
    agent: "calculator",
    message: "2 + 2",
    idempotencyKey: SEED_KEY,
  });
  const running = (await store.load(threadId)) as Thread;
  return { running, approval, human, done, failed };
}

function counterIds(prefix: string) {
  let next = 0;
  return { threadId: () => `${prefix}${++next}` };
}

export const seeds: Seeds = await buildSeeds();

/**
 * A fresh world per case: a new in-memory store holding the seeds (threads are immutable values,
 * so sharing them between worlds is safe), an empty recording queue, a fixed clock.
 */
export async function freshWorld(): Promise<World> {
  const store = new MemoryThreadStore();
  const queue = new RecordingQueue();
  const notices: ThreadWaitingNotice[] = [];
  for (const thread of Object.values(seeds)) {
    await store.create({
      thread,
      head: deriveHead(thread.events),
      ...(thread === seeds.running ? { idempotencyKey: SEED_KEY } : {}),
    });
  }
  const replayGuard = new RecordingReplayGuard();
  return { deps: deps(store, queue, notices), store, queue, notices, replayGuard, seeds };
}

/** Everything observable: each thread (by identity: an append replaces it) and what was sent. */
export interface Snapshot {
  threads: Map<string, Thread>;
  sent: number;
  notices: number;
  /** Webhook deliveries claimed by the replay guard. */
  claims: number;
}

export async function snapshot(world: World): Promise<Snapshot> {
  const threads = new Map<string, Thread>();
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await world.store.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const summary of page.threads) {
        threads.set(summary.threadId, (await world.store.load(summary.threadId)) as Thread);
      }
      cursor = page.next;
    } while (cursor);
  }
  return {
    threads,
    sent: world.queue.sent.length,
    notices: world.notices.length,
    claims: world.replayGuard.claimed.size,
  };
}

/**
 * Why two snapshots differ, or `null` when nothing changed. Replay-guard claims are compared
 * separately (see the webhook property): a correctly signed delivery is claimed before it runs.
 */
export function difference(before: Snapshot, after: Snapshot): string | null {
  if (after.sent !== before.sent) return `${after.sent - before.sent} step message(s) were sent`;
  if (after.notices !== before.notices) return "a waiting notice was published";
  if (after.threads.size !== before.threads.size) {
    return `thread count went from ${before.threads.size} to ${after.threads.size}`;
  }
  for (const [id, thread] of before.threads) {
    if (after.threads.get(id) !== thread) return `thread ${id} changed`;
  }
  return null;
}
