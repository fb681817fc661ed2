import type { Agent } from "../../../shared/core/agent.ts";
import {
  ApprovalPendingError,
  NotPendingError,
  ThreadBusyError,
  ThreadClosedError,
} from "../../../shared/core/errors.ts";
import type { ThreadEvent } from "../../../shared/core/events.ts";
import type { HumanReply } from "../../../shared/core/lifecycle.ts";
import type { IfRunning } from "../../../shared/core/message.ts";
import type {
  Model,
  StepQueue,
  ThreadStore,
  ThreadWaitingNotice,
} from "../../../shared/core/ports.ts";
import {
  derivePending,
  deriveStatus,
  statusWhilePending,
  type Thread,
  versionOf,
} from "../../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../../shared/examples/agents.ts";
import { DemoModel } from "../../../shared/examples/demo-model.ts";
import {
  type Deployment,
  SimulatedDeployTarget,
} from "../../../shared/examples/deploybot/target.ts";
import { cancelThread } from "../../../shared/runtime/cancel-thread.ts";
import type { RuntimeDeps } from "../../../shared/runtime/deps.ts";
import { launchThread } from "../../../shared/runtime/launch-thread.ts";
import { MemoryThreadStore } from "../../../shared/runtime/memory-store.ts";
import { messageThread } from "../../../shared/runtime/message-thread.ts";
import { processStep, type StepOutcome } from "../../../shared/runtime/process-step.ts";
import { reconcile } from "../../../shared/runtime/reconcile.ts";
import { respondToThread } from "../../../shared/runtime/respond-to-thread.ts";
import {
  type CrashPoint,
  type CrashSite,
  describeSite,
  type FaultHooks,
  type FaultPlan,
  faultyModel,
  faultyNotifier,
  faultyQueue,
  faultyStore,
  InjectedCrash,
  instrumentAgent,
  type ToolRun,
} from "../../fault-kit/fault-injection.ts";
import { type FaultProvider, FlakyModel, type ModelFault } from "../../fault-kit/flaky-model.ts";
import { Interleaver } from "../../fault-kit/interleaver.ts";
import { MemoryStepQueue, type ReceivedMessage } from "../../fault-kit/memory-queue.ts";
import { SeededRandom } from "../../fault-kit/seeded-random.ts";
import { VirtualClock } from "../../fault-kit/virtual-clock.ts";
import type { Scenario } from "./scenarios.ts";

/** The step queue as the stack configures it: SQS FIFO, 30 s visibility, dead letters after 5. */
export const MAX_RECEIVES = 5;
const VISIBILITY_MS = 30_000;
/** The scheduled reconciler, as deployed: every minute, threads idle for 5 minutes. */
const RECONCILE_EVERY_MS = 60_000;
const STALE_AFTER_MS = 5 * 60_000;
/** A client (a person's browser, an API caller) retries a failed request this often. */
const CLIENT_ATTEMPTS = 4;

export interface SimulationOptions {
  scenarios: readonly Scenario[];
  /** Seeds the interleaving, the deliveries and the people's timing. */
  seed: number;
  /** Where invocations crash; none by default. */
  plan?: FaultPlan;
  /** The thread store; a fresh `MemoryThreadStore` by default. */
  store?: ThreadStore;
  /** Thread ids are `<idPrefix><scenario name>`: runs sharing a store must not collide. */
  idPrefix?: string;
  clockStart?: number | string;
  /** The model behind the fault wrappers; the demo model by default. */
  model?: Model;
  /** Model faults as a pure function of the step, so clean and faulty runs meet the same ones. */
  modelFaults?: (threadId: string, version: number) => ModelFault | null;
  /** Whose error shapes the model faults take (`FlakyModel`); OpenAI's by default. */
  modelFaultProvider?: FaultProvider;
  /** The deploy bot's target; a mutation test passes one that ignores idempotency keys. */
  deployTarget?: () => SimulatedDeployTarget;
  /** Chance that a delivery runs twice at once (its visibility ran out mid-invocation). */
  duplicateDelivery?: number;
  /** Chance that a person's answer is sent twice at once (a double click, two tabs). */
  doubleClick?: number;
  /** Chance, per tick, that a waiting person answers while other work is still going on. */
  answerNow?: number;
  /** Chance, per tick, of a reconciler run (stale after 0 ms) racing the workers. */
  reconcilerRace?: number;
  /** Chance, per tick and thread, that someone cancels it (once; twice with `doubleClick`). */
  cancelRace?: number;
  /** Chance, per tick and thread, that someone sends it a message (once), with `ifRunning`. */
  messageRace?: number;
  ifRunning?: IfRunning;
  /** Messages one receive hands out (Lambda's concurrent invocations). */
  concurrency?: number;
  maxTicks?: number;
  /** People answer the notices they get (default); off, a run stops where threads wait. */
  autoAnswer?: boolean;
  /** The scheduled reconciler runs when the queue is idle (default). */
  reconciler?: boolean;
  /** Mutants for the harness's own tests: a broken store or queue must break an invariant. */
  mutate?: { store?: (store: ThreadStore) => ThreadStore; queue?: (queue: StepQueue) => StepQueue };
}

/** A run of a side-effecting tool, as the instrumented agents saw it. */
export interface ToolRunRecord {
  tool: string;
  threadId: string;
  callId: string;
  idempotencyKey: string;
  args: string;
  /** The call's result was saved before this run started: the runtime ran a finished call. */
  afterSaved: boolean;
  /** The invocation that ran it crashed before it returned: nobody could save its result. */
  crashed: boolean;
}

export interface SimulationResult {
  /** The final thread of each scenario, by scenario name. */
  threads: Record<string, Thread | undefined>;
  threadIds: Record<string, string>;
  deployments: readonly Deployment[];
  toolRuns: ToolRunRecord[];
  notices: ThreadWaitingNotice[];
  crashes: Partial<Record<CrashPoint, number>>;
  outcomes: Partial<Record<StepOutcome, number>>;
  responses: { accepted: number; conflicts: number; retries: number };
  /** Cancels sent: accepted, or refused because the thread had finished first. */
  cancels: { accepted: number; closed: number };
  /** Messages sent, each once (a message is not idempotent, so its sender does not retry). */
  messages: MessageRecord[];
  /** Errors other than injected crashes thrown by an invocation: bugs. */
  unexpected: string[];
  /** What went wrong in the run itself: stuck threads, silent pauses, no end. */
  problems: string[];
  queue: { deadLetters: number; depth: number; deduplicated: number; received: number };
  ticks: number;
  reconcilerRuns: number;
  virtualMs: number;
}

/** A message someone sent to a thread, and what the API said. */
export interface MessageRecord {
  threadId: string;
  text: string;
  /** `accepted` (202), `refused` (a 409), or `crashed` (a 5xx: saved or not, unknown). */
  outcome: "accepted" | "refused" | "crashed";
  /** The status the 202 named (`running`: the message met a step in flight or queued). */
  status?: string;
}

/** An invocation: what a crash plan sees, plus the version its last load returned. */
export type Site = CrashSite & { loadedVersion?: number };

/**
 * Sites a crash schedule spares: a message's last allowed delivery (a crash there would send it
 * to the dead-letter queue, which is the poison-message path, not this one) and a client's last
 * attempt.
 */
export const spareLastChances = (site: CrashSite): boolean =>
  (site.receiveCount ?? 0) >= MAX_RECEIVES || (site.attempt ?? 0) >= CLIENT_ATTEMPTS - 1;

/**
 * The runtime on simulated AWS: the real use cases (`launchThread`, `processStep`,
 * `respondToThread`, `reconcile`) on ports wrapped for fault injection, an in-memory SQS FIFO
 * queue with a virtual clock, Lambda-style workers that delete a message only after its step
 * returned, people who answer the notices they receive, and the scheduled reconciler.
 *
 * Concurrency is real in the sense that matters: invocations interleave at every port call, in an
 * order drawn from the seed.
 */
export class World {
  readonly deps: RuntimeDeps;
  readonly clock: VirtualClock;
  readonly queue: MemoryStepQueue;
  readonly runner: Interleaver<Site>;
  readonly random: SeededRandom;
  readonly store: ThreadStore;
  readonly target: SimulatedDeployTarget;
  readonly scenarios: readonly Scenario[];
  private readonly options: SimulationOptions;
  private readonly notices: ThreadWaitingNotice[] = [];
  /** Notices not answered yet, by `threadId:callId`. */
  private readonly unanswered = new Map<string, ThreadWaitingNotice>();
  private readonly answering = new Set<string>();
  private readonly toolRuns: ToolRunRecord[] = [];
  private readonly toolRunsOf = new Map<Site, ToolRunRecord[]>();
  private readonly crashes: Partial<Record<CrashPoint, number>> = {};
  private readonly outcomes: Partial<Record<StepOutcome, number>> = {};
  private readonly responses = { accepted: 0, conflicts: 0, retries: 0 };
  private readonly cancels = { accepted: 0, closed: 0 };
  private readonly cancelSent = new Set<string>();
  private readonly messages: MessageRecord[] = [];
  private readonly messageSent = new Set<string>();
  private readonly unexpected: string[] = [];
  private readonly problems: string[] = [];
  private readonly scenarioOf = new Map<string, Scenario>();
  private readonly answered = new Set<string>();
  private readonly hooks: FaultHooks;
  private readonly startMs: number;
  private ticks = 0;
  private reconcilerRuns = 0;

  constructor(options: SimulationOptions) {
    this.options = options;
    this.scenarios = options.scenarios;
    this.random = new SeededRandom(options.seed);
    this.clock = new VirtualClock(options.clockStart);
    this.startMs = this.clock.millis;
    this.queue = new MemoryStepQueue({
      clock: this.clock,
      visibilityTimeoutMs: VISIBILITY_MS,
      maxReceiveCount: MAX_RECEIVES,
    });
    this.runner = new Interleaver<Site>(() => this.random.next());
    this.store = options.store ?? new MemoryThreadStore();
    this.target = options.deployTarget?.() ?? new SimulatedDeployTarget();
    for (const s of options.scenarios) this.scenarioOf.set(this.threadId(s), s);

    const hooks: FaultHooks = {
      beforeCall: () => this.runner.yield(),
      crashPoint: (point) => {
        const site = this.runner.current;
        if (!site || !options.plan?.shouldCrash(point, site)) return;
        this.crashes[point] = (this.crashes[point] ?? 0) + 1;
        for (const toolRun of this.toolRunsOf.get(site) ?? []) toolRun.crashed = true;
        throw new InjectedCrash(point, describeSite(site));
      },
      toolRan: () => {
        const site = this.runner.current;
        if (site) site.toolRan = true;
      },
    };
    this.hooks = hooks;
    const observe = {
      before: async ({ tool, args, context }: ToolRun) => {
        // Read past the fault wrappers: this is the test looking, not the runtime.
        const saved = await this.store.load(context.threadId);
        // Only what this invocation loaded counts: a concurrent duplicate may have saved the
        // outcome meanwhile, which is what the idempotency key is for.
        const loaded = this.runner.current?.loadedVersion ?? 0;
        const toolRun: ToolRunRecord = {
          tool,
          threadId: context.threadId,
          callId: context.callId,
          idempotencyKey: context.idempotencyKey,
          args: JSON.stringify(args),
          afterSaved: hasOutcome(saved?.events.slice(0, loaded) ?? [], context.callId),
          crashed: false,
        };
        this.toolRuns.push(toolRun);
        const site = this.runner.current;
        if (site) this.toolRunsOf.set(site, [...(this.toolRunsOf.get(site) ?? []), toolRun]);
      },
      after: () => hooks.toolRan(),
    };
    const agents: Agent[] = [calculator, createDeploybot(this.target)].map((agent) =>
      instrumentAgent(agent, observe),
    );
    let model: Model = options.model ?? new DemoModel();
    const faults = options.modelFaults;
    if (faults) {
      model = new FlakyModel(
        model,
        () => {
          const site = this.runner.current;
          return site?.threadId && site.version !== undefined
            ? faults(site.threadId, site.version)
            : null;
        },
        options.modelFaultProvider,
      );
    }
    this.deps = {
      agents: new Map(agents.map((agent) => [agent.name, agent])),
      store: faultyStore(
        this.recordLoads(options.mutate?.store?.(this.store) ?? this.store),
        hooks,
      ),
      queue: faultyQueue(options.mutate?.queue?.(this.queue) ?? this.queue, hooks),
      notifier: faultyNotifier(
        {
          threadWaiting: async (notice) => {
            this.notices.push(notice);
            const key = `${notice.threadId}:${notice.callId}`;
            if (!this.answering.has(key) && !this.answered.has(key)) {
              this.unanswered.set(key, notice);
            }
          },
        },
        hooks,
      ),
      model: faultyModel(model, hooks),
      clock: this.clock,
      ids: {
        threadId: () => {
          const site = this.runner.current;
          if (!site?.threadId) throw new Error("a launch outside a launch actor");
          return site.threadId;
        },
      },
      threadLink: (threadId) => `https://twelve.test/threads/${threadId}`,
    };
  }

  /** Notes in the invocation which version it loaded. */
  private recordLoads(store: ThreadStore): ThreadStore {
    return {
      create: (input) => store.create(input),
      append: (read, events, head) => store.append(read, events, head),
      queueMessage: (read, message) => store.queueMessage(read, message),
      list: (query) => store.list(query),
      readEvents: (threadId, query) => store.readEvents(threadId, query),
      delete: (threadId) => store.delete(threadId),
      load: async (threadId) => {
        const thread = await store.load(threadId);
        const site = this.runner.current;
        if (site) site.loadedVersion = thread ? versionOf(thread) : 0;
        return thread;
      },
    };
  }

  threadId(scenario: Scenario): string {
    return `${this.options.idPrefix ?? "thr_"}${scenario.name}`;
  }

  /** Announced calls nobody has answered yet. */
  get waitingNotices(): ThreadWaitingNotice[] {
    return [...this.unanswered.values()];
  }

  /** Launches every scenario at once, each as a client that retries a failed request. */
  async launchAll(): Promise<void> {
    for (const s of this.scenarios) this.spawnLaunch(s);
    await this.runner.run();
  }

  spawnLaunch(s: Scenario) {
    const site: Site = { actor: "launch", threadId: this.threadId(s), attempt: 1, toolRan: false };
    return this.runner.spawn(site, async () => {
      for (let attempt = 1; attempt <= CLIENT_ATTEMPTS; attempt++) {
        site.attempt = attempt;
        try {
          return await launchThread(this.deps, {
            agent: s.agent,
            message: s.message,
            idempotencyKey: `launch-${this.threadId(s)}`,
          });
        } catch (error) {
          if (!(error instanceof InjectedCrash) || attempt === CLIENT_ATTEMPTS) {
            this.unexpected.push(`launch ${s.name}: ${String(error)}`);
            return undefined;
          }
          this.responses.retries++;
        }
      }
      return undefined;
    });
  }

  /** One Lambda invocation for a received message: the step, then the delete. */
  spawnWorker(message: ReceivedMessage<{ threadId: string; version: number }>) {
    const site: Site = {
      actor: "worker",
      threadId: message.body.threadId,
      version: message.body.version,
      receiveCount: message.receiveCount,
      toolRan: false,
    };
    return this.runner.spawn(site, async () => {
      try {
        const outcome = await processStep(this.deps, message.body);
        this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
        await this.runner.yield();
        this.hooks.crashPoint("before_ack");
        this.queue.delete(message.receiptHandle);
      } catch (error) {
        // A crash leaves the message in flight: SQS delivers it again after the timeout.
        if (!(error instanceof InjectedCrash)) {
          this.unexpected.push(`${describeSite(site)}: ${errorText(error)}`);
        }
      }
    });
  }

  /** A person answering the call `notice` announced (retrying after a 5xx, as a client does). */
  spawnHuman(notice: ThreadWaitingNotice, reply?: HumanReply) {
    const key = `${notice.threadId}:${notice.callId}`;
    const scenario = this.scenarioOf.get(notice.threadId);
    const answer = reply ?? scenario?.answer(notice);
    this.unanswered.delete(key);
    this.answering.add(key);
    const site: Site = { actor: "human", threadId: notice.threadId, attempt: 1, toolRan: false };
    return this.runner.spawn(site, async () => {
      if (!answer) throw new Error(`no one answers ${key}`);
      try {
        for (let attempt = 1; attempt <= CLIENT_ATTEMPTS; attempt++) {
          site.attempt = attempt;
          try {
            await respondToThread(this.deps, notice.threadId, answer);
            this.responses.accepted++;
            return "accepted" as const;
          } catch (error) {
            if (error instanceof NotPendingError || error instanceof ThreadClosedError) {
              // 409: another click won, an earlier attempt of this one was saved, or a cancel.
              this.responses.conflicts++;
              return "conflict" as const;
            }
            if (!(error instanceof InjectedCrash) || attempt === CLIENT_ATTEMPTS) {
              this.unexpected.push(`answer ${key}: ${errorText(error)}`);
              return "failed" as const;
            }
            this.responses.retries++;
          }
        }
        return "failed" as const;
      } finally {
        this.answering.delete(key);
        this.answered.add(key);
      }
    });
  }

  /** Someone cancelling a thread (retrying after a 5xx, as a client does). */
  spawnCanceller(threadId: string) {
    const site: Site = { actor: "human", threadId, attempt: 1, toolRan: false };
    return this.runner.spawn(site, async () => {
      for (let attempt = 1; attempt <= CLIENT_ATTEMPTS; attempt++) {
        site.attempt = attempt;
        try {
          await cancelThread(this.deps, threadId, { reason: "the customer withdrew" });
          this.cancels.accepted++;
          return;
        } catch (error) {
          if (error instanceof ThreadClosedError) {
            // 409: the thread finished before the cancel arrived.
            this.cancels.closed++;
            return;
          }
          if (!(error instanceof InjectedCrash) || attempt === CLIENT_ATTEMPTS) {
            this.unexpected.push(`cancel ${threadId}: ${errorText(error)}`);
            return;
          }
        }
      }
    });
  }

  /** Someone sending the thread a message: one attempt, its outcome recorded. */
  spawnMessenger(threadId: string) {
    const site: Site = { actor: "human", threadId, attempt: 1, toolRan: false };
    const text = `A note for ${threadId}: carry on.`;
    return this.runner.spawn(site, async () => {
      const ifRunning = this.options.ifRunning;
      try {
        const { status } = await messageThread(this.deps, threadId, {
          message: text,
          ...(ifRunning ? { ifRunning } : {}),
        });
        this.messages.push({ threadId, text, outcome: "accepted", status });
      } catch (error) {
        if (
          error instanceof ApprovalPendingError ||
          error instanceof ThreadBusyError ||
          error instanceof ThreadClosedError
        ) {
          this.messages.push({ threadId, text, outcome: "refused" });
        } else if (error instanceof InjectedCrash) {
          this.messages.push({ threadId, text, outcome: "crashed" });
        } else {
          this.unexpected.push(`message ${threadId}: ${errorText(error)}`);
        }
      }
    });
  }

  spawnReconciler(staleAfterMs: number) {
    this.reconcilerRuns++;
    const site: Site = { actor: "reconciler", toolRan: false };
    return this.runner.spawn(site, async () => {
      try {
        await reconcile(this.deps, { staleAfterMs });
      } catch (error) {
        if (!(error instanceof InjectedCrash))
          this.unexpected.push(`reconciler: ${errorText(error)}`);
      }
    });
  }

  /**
   * Runs until nothing can happen any more: messages delivered (and redelivered after crashes),
   * people answering, the clock moved to the next redelivery or reconciler run. Problems found on
   * the way (a thread stuck in `running`, a pause nobody was told about) are recorded.
   */
  async settle(): Promise<void> {
    const maxTicks = this.options.maxTicks ?? 5_000;
    let lastProgress = { fingerprint: "", at: this.clock.millis };
    while (this.ticks < maxTicks) {
      this.ticks++;
      let spawned = 0;
      for (const message of this.queue.receive(this.options.concurrency ?? 4)) {
        this.spawnWorker(message);
        spawned++;
        if (this.random.chance(this.options.duplicateDelivery ?? 0)) this.spawnWorker(message);
      }
      for (const notice of this.options.autoAnswer === false ? [] : [...this.unanswered.values()]) {
        if (spawned > 0 && !this.random.chance(this.options.answerNow ?? 0.3)) continue;
        this.answer(notice);
        spawned++;
      }
      if (this.random.chance(this.options.reconcilerRace ?? 0)) {
        this.spawnReconciler(0);
        spawned++;
      }
      for (const s of this.options.cancelRace ? this.scenarios : []) {
        const threadId = this.threadId(s);
        if (this.cancelSent.has(threadId) || !this.random.chance(this.options.cancelRace ?? 0)) {
          continue;
        }
        this.cancelSent.add(threadId);
        this.spawnCanceller(threadId);
        if (this.random.chance(this.options.doubleClick ?? 0)) this.spawnCanceller(threadId);
        spawned++;
      }
      for (const s of this.options.messageRace ? this.scenarios : []) {
        const threadId = this.threadId(s);
        if (this.messageSent.has(threadId) || !this.random.chance(this.options.messageRace ?? 0)) {
          continue;
        }
        this.messageSent.add(threadId);
        this.spawnMessenger(threadId);
        spawned++;
      }
      if (spawned > 0) {
        await this.runner.run();
        continue;
      }

      // Nothing to deliver and nobody to answer right now.
      const visibleAt = this.queue.nextVisibleAt();
      if (visibleAt !== undefined) {
        this.clock.advanceTo(visibleAt);
        continue;
      }
      const threads = await this.loadAll();
      const fingerprint = threads.map((t) => (t ? versionOf(t) : -1)).join(",");
      if (fingerprint !== lastProgress.fingerprint) {
        lastProgress = { fingerprint, at: this.clock.millis };
      }
      const running = threads.filter((t) => t && deriveStatus(t.events) === "running");
      if (running.length > 0) {
        if (
          this.options.reconciler === false ||
          this.clock.millis - lastProgress.at > STALE_AFTER_MS + 3 * RECONCILE_EVERY_MS
        ) {
          this.problems.push(
            `stuck in running after the queue drained and the reconciler ran: ${running
              .map((t) => `${t?.id}@v${t ? versionOf(t) : "?"}`)
              .join(", ")}`,
          );
          return;
        }
        this.clock.advance(RECONCILE_EVERY_MS);
        this.spawnReconciler(STALE_AFTER_MS);
        await this.runner.run();
        continue;
      }
      // Paused threads whose pause was never announced: nobody would know to answer.
      const silent = threads.filter((t): t is Thread => {
        if (!t) return false;
        const pending = derivePending(t.events);
        return (
          pending !== null &&
          !this.answered.has(`${t.id}:${pending.callId}`) &&
          !this.unanswered.has(`${t.id}:${pending.callId}`)
        );
      });
      if (silent.length === 0 || this.options.autoAnswer === false) return;
      for (const thread of silent) {
        const pending = derivePending(thread.events);
        if (!pending) continue;
        this.problems.push(
          `${thread.id} waits on ${pending.callId} (${pending.tool}) but no notice was published`,
        );
        // Answer anyway, as someone polling the listing would, so the rest can still be checked.
        this.answer({
          id: `${thread.id}:${pending.callId}`,
          threadId: thread.id,
          agent: thread.agent,
          status: statusWhilePending[pending.kind],
          kind: pending.kind,
          callId: pending.callId,
          tool: pending.tool,
          args: pending.args,
          link: "",
          ...(pending.message ? { message: pending.message } : {}),
        });
      }
      await this.runner.run();
    }
    this.problems.push(`did not settle within ${maxTicks} ticks`);
  }

  /** A person answers; sometimes twice at once. */
  private answer(notice: ThreadWaitingNotice): void {
    this.spawnHuman(notice);
    if (this.random.chance(this.options.doubleClick ?? 0)) this.spawnHuman(notice);
  }

  /** Every scenario's thread as stored now (read past the fault wrappers). */
  async loadAll(): Promise<(Thread | undefined)[]> {
    const threads: (Thread | undefined)[] = [];
    for (const s of this.scenarios) threads.push(await this.store.load(this.threadId(s)));
    return threads;
  }

  async result(): Promise<SimulationResult> {
    const threads: Record<string, Thread | undefined> = {};
    const threadIds: Record<string, string> = {};
    const loaded = await this.loadAll();
    this.scenarios.forEach((s, i) => {
      threads[s.name] = loaded[i];
      threadIds[s.name] = this.threadId(s);
    });
    return {
      threads,
      threadIds,
      deployments: [...this.target.deployments],
      toolRuns: this.toolRuns,
      notices: this.notices,
      crashes: this.crashes,
      outcomes: this.outcomes,
      responses: this.responses,
      cancels: this.cancels,
      messages: this.messages,
      unexpected: this.unexpected,
      problems: this.problems,
      queue: {
        deadLetters: this.queue.deadLetters.length,
        depth: this.queue.depth,
        deduplicated: this.queue.stats.deduplicated,
        received: this.queue.stats.received,
      },
      ticks: this.ticks,
      reconcilerRuns: this.reconcilerRuns,
      virtualMs: this.clock.millis - this.startMs,
    };
  }
}

/** Launches every scenario, runs the world until it settles, and reports. */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const world = new World(options);
  await world.launchAll();
  await world.settle();
  return world.result();
}

/** The call has a saved outcome (its result or its failure): running it again is a bug. */
function hasOutcome(events: readonly ThreadEvent[], callId: string): boolean {
  return events.some(
    (e) =>
      (e.type === "tool_result" && e.data.callId === callId) ||
      (e.type === "error" && e.data.code === "tool_failed" && e.data.callId === callId),
  );
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
