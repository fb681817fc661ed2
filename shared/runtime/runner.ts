import type { Agent } from "../core/agent.ts";
import { expiredCallback as expiredCallbackEvent } from "../core/callback.ts";
import { ConfigError, ThreadNotFoundError } from "../core/errors.ts";
import type { Actor, ThreadEvent } from "../core/events.ts";
import type { HumanReply } from "../core/lifecycle.ts";
import type { IfRunning } from "../core/message.ts";
import type { Clock, Model, Notifier, StepMessage, StepQueue, ThreadStore } from "../core/ports.ts";
import {
  deriveOutput,
  derivePending,
  deriveStatus,
  type Pending,
  type Status,
  type Thread,
} from "../core/thread.ts";
import { agentMap } from "./agents.ts";
import {
  answerCall,
  answerCallback,
  type CallbackReply,
  expireCallbackIfDue,
} from "./callbacks.ts";
import { cancelThread } from "./cancel-thread.ts";
import { deleteThread } from "./delete-thread.ts";
import type { RuntimeDeps } from "./deps.ts";
import { expireIfDue } from "./expire-approvals.ts";
import { forkThread } from "./fork-thread.ts";
import { randomIds } from "./ids.ts";
import { launchThread } from "./launch-thread.ts";
import { MemoryThreadStore } from "./memory-store.ts";
import { messageThread } from "./message-thread.ts";
import { assertModels } from "./model-rule.ts";
import { processStep } from "./process-step.ts";
import { processEnvironmentModel } from "./runner-environment.ts";

export interface RunnerOptions {
  /** The agents this runner serves; names must be unique. */
  agents: readonly Agent[];
  /**
   * The model of the agents that name none (`defineAgent({ model })` comes first). Without it,
   * every agent must bring its own: one that does not fails `createRunner` by name.
   */
  model?: Model;
  /**
   * The model of the agents that name none when `model` is not given either, the rule's third
   * choice. Default: the environment's, as `twelve dev` and the worker read it
   * (`AGENT_MODEL=bedrock:<id>`, or `OPENAI_API_KEY` with `OPENAI_BASE_URL` and `AGENT_MODEL`),
   * read from `process.env` only when some agent needs it, its adapter loaded on the first call.
   * `false`: none, so every agent needs its own model or `model`.
   */
  environment?: Model | false;
  /** Where threads live. Default: in memory. A `DynamoThreadStore` plugs in the same way. */
  store?: ThreadStore;
  /** Told when a thread starts waiting for a person. Default: nobody. */
  notifier?: Notifier;
  clock?: Clock;
  /** Steps one call may run before it gives up on a thread that never pauses. Default 1,000. */
  maxStepsPerCall?: number;
  /**
   * Who the events a call causes name as `by` (`{ principal, via: "runner" }`), unless the call
   * passes its own `by`. Default `app`.
   */
  principal?: string;
  /**
   * The URL a callback tool's `start` hands out for its answer, from the token (your route that
   * calls `runner.callback(token, body)`). Default `/callbacks/{token}`.
   */
  callbackUrl?: (token: string) => string;
}

export type { CallbackReply };

/**
 * What a host that serves a runner (the HTTP API in your own server) needs of it: its ports, and
 * the drain that runs a thread's queued steps in this process, one drain per thread at a time.
 */
export interface RunnerHost {
  deps: RuntimeDeps;
  /** Runs the steps queued for `threadId` until the thread pauses or ends. */
  run(threadId: string): Promise<RunResult>;
  /** Rejects an approval of `threadId` past its tool's `approvalTimeoutMs`, and runs on. */
  expire(threadId: string): Promise<void>;
}

const hosts = new WeakMap<Runner, RunnerHost>();

/**
 * The host side of a runner made by `createRunner`: how `createHttpApi({ runner })` writes through
 * the runner's store and runs the steps an HTTP request enqueues in process, without a queue.
 */
export function runnerHost(runner: Runner): RunnerHost {
  const host = hosts.get(runner);
  if (!host) throw new ConfigError("not a runner made by createRunner");
  return host;
}

/** Who rejects an approval that expired while a runner held its thread. */
const EXPIRY: Actor = { principal: "approval-timeout", via: "runner" };
/** Who closes a callback that expired while a runner held its thread. */
const CALLBACK_EXPIRY: Actor = { principal: "callback-timeout", via: "runner" };

/** Where a thread stands after a call: paused, finished or failed, and everything it holds. */
export interface RunResult {
  threadId: string;
  status: Status;
  /** The message of the terminal tool call (`done_for_now`), or null. */
  output: string | null;
  /** The call a person must answer, or null. */
  pending: Pending | null;
  events: ThreadEvent[];
}

export interface Runner {
  /** Starts a thread and runs it until it pauses or ends. */
  launch(
    agent: Agent | string,
    message: string,
    options?: { metadata?: Record<string, unknown>; idempotencyKey?: string; by?: Actor },
  ): Promise<RunResult>;
  /**
   * Answers the call the thread waits on (an approval or a reply) and runs it on. Like `message`
   * and `get`, it first rejects an approval past its tool's `approvalTimeoutMs` (no sweep runs
   * in process), so a late decision gets `NotPendingError`.
   */
  respond(
    threadId: string,
    reply: HumanReply | CallbackReply,
    options?: { by?: Actor },
  ): Promise<RunResult>;
  /**
   * Answers a callback tool's call by the token its `start` was handed (the body is checked
   * against the tool's `result` schema), and runs the thread on. `CallbackTokenError` for a token
   * that names no wait; `NotPendingError` for a callback answered otherwise or expired.
   */
  callback(token: string, body: unknown): Promise<RunResult>;
  /**
   * The next message of the conversation (after `done`), or the answer to a pending question. On
   * a thread another call of this runner is stepping, `ifRunning` (else the agent's
   * `onRunning`) decides: queued behind the step in flight, interrupting it, or refused.
   */
  message(
    threadId: string,
    text: string,
    options?: { ifRunning?: IfRunning; by?: Actor },
  ): Promise<RunResult>;
  /** A new thread with a copy of events `1..version` (the latest by default), run until it pauses. */
  fork(threadId: string, version?: number, options?: { by?: Actor }): Promise<RunResult>;
  /** Stops a thread for good (a second cancel changes nothing; a done thread throws). */
  cancel(threadId: string, input?: { reason?: string; by?: Actor }): Promise<RunResult>;
  /** Reads a thread; `ThreadNotFoundError` when there is none. */
  get(threadId: string): Promise<RunResult>;
  /** The events after version `after` (at most `limit`, default 100), each with its version. */
  events(
    threadId: string,
    query?: { after?: number; limit?: number },
  ): Promise<{ events: (ThreadEvent & { version: number })[]; version: number }>;
  /** Removes every trace of a thread ("forget this user's data"); `ThreadNotFoundError` when none. */
  delete(threadId: string): Promise<void>;
}

/**
 * Runs agents inside any Node process (an Express route, a script, a job), no AWS needed: the
 * same launch, step and respond code the Lambda worker runs, with an in-process queue that is
 * drained before each call returns.
 *
 * @example
 * const runner = createRunner({ agents: [support], model: new ScriptedModel([...]) });
 * const run = await runner.launch("support", "Where is order A-1?");
 * if (run.pending) await runner.respond(run.threadId, { callId: run.pending.callId, approved: true });
 */
export function createRunner(options: RunnerOptions): Runner {
  const agents = agentMap(options.agents);
  const environment = environmentOf(options, agents.values());
  // The model rule, checked at start: a missing model is one line now, not a failed step.
  assertModels(agents.values(), { module: options.model, environment });
  const queue = new DrainQueue();
  const deps: RuntimeDeps = {
    agents,
    store: options.store ?? new MemoryThreadStore(),
    queue,
    notifier: options.notifier ?? { threadWaiting: async () => {} },
    model: options.model,
    environmentModel: environment,
    clock: options.clock ?? { now: () => new Date() },
    ids: randomIds,
    threadLink: (threadId: string) => threadId,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
  };
  const maxSteps = options.maxStepsPerCall ?? 1000;
  const defaultBy: Actor = { principal: options.principal ?? "app", via: "runner" };

  // One drain per thread at a time: a call on a thread another call is stepping waits for it
  // (its queued message is drained by that call), so one step is in flight per thread.
  const draining = new Map<string, Promise<unknown>>();
  const locked = (threadId: string): Promise<void> => {
    const previous = draining.get(threadId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => drain(threadId));
    draining.set(threadId, next);
    void next
      .finally(() => {
        if (draining.get(threadId) === next) draining.delete(threadId);
      })
      .catch(() => {});
    return next;
  };
  // A thread's step may enqueue another thread's (a child launched, a child's end handed to its
  // parent): each is drained under its own thread's turn, until no thread has a step waiting.
  const run = async (threadId: string): Promise<RunResult> => {
    await locked(threadId);
    for (let other = queue.waitingThread(); other; other = queue.waitingThread()) {
      await locked(other);
    }
    return read(threadId);
  };
  const drain = async (threadId: string): Promise<void> => {
    for (let steps = 0; ; steps++) {
      const message = queue.take(threadId);
      if (!message) break;
      if (steps >= maxSteps) {
        throw new ConfigError(`thread ${threadId} ran ${maxSteps} steps without pausing`);
      }
      await processStep(deps, message);
    }
  };
  // No sweep runs in process: an approval past its tool's `approvalTimeoutMs` is rejected on the
  // runner's next touch of its thread (respond, message, get), and the thread runs on from there.
  // A callback past its expiry is closed the same way (one read when nothing is due).
  const expire = async (threadId: string): Promise<void> => {
    if (await expireIfDue(deps, threadId, EXPIRY, { otherwise: expiredCallback })) {
      await run(threadId);
    }
  };
  const expiredCallback = (thread: Thread): Promise<boolean> | false =>
    expiredCallbackEvent(thread, deps.clock.now()) !== null &&
    expireCallbackIfDue(deps, thread.id, CALLBACK_EXPIRY);
  const read = async (threadId: string): Promise<RunResult> => {
    const thread = await deps.store.load(threadId);
    if (!thread) throw new ThreadNotFoundError(threadId);
    return {
      threadId,
      status: deriveStatus(thread.events),
      output: deriveOutput(thread.events),
      pending: derivePending(thread.events),
      events: [...thread.events],
    };
  };

  const runner: Runner = {
    async launch(agent, message, launchOptions = {}) {
      const name = typeof agent === "string" ? agent : agent.name;
      const { threadId } = await launchThread(deps, {
        agent: name,
        message,
        by: defaultBy,
        ...launchOptions,
      });
      return run(threadId);
    },
    async respond(threadId, reply, respondOptions = {}) {
      await expire(threadId);
      await answerCall(deps, threadId, reply, respondOptions.by ?? defaultBy);
      return run(threadId);
    },
    async callback(token, body) {
      const { threadId } = await answerCallback(deps, token, body);
      return run(threadId);
    },
    async message(threadId, text, messageOptions = {}) {
      await expire(threadId);
      await messageThread(deps, threadId, { message: text, by: defaultBy, ...messageOptions });
      return run(threadId);
    },
    async fork(threadId, version, forkOptions = {}) {
      const forked = await forkThread(deps, {
        threadId,
        ...(version === undefined ? {} : { version }),
        by: forkOptions.by ?? defaultBy,
      });
      return run(forked.threadId);
    },
    async cancel(threadId, input = {}) {
      await cancelThread(deps, threadId, { by: defaultBy, ...input });
      queue.clear(threadId);
      // A child cancelled on its own hands that to its parent, whose next step runs now.
      return run(threadId);
    },
    async get(threadId) {
      await expire(threadId);
      return read(threadId);
    },
    async events(threadId, query = {}) {
      const after = query.after ?? 0;
      const page = await deps.store.readEvents(threadId, { after, limit: query.limit ?? 100 });
      if (!page) throw new ThreadNotFoundError(threadId);
      const events = page.events.map((event, i) => ({ ...event, version: after + i + 1 }));
      return { events, version: page.version };
    },
    async delete(threadId) {
      if (!(await deleteThread(deps, threadId))) throw new ThreadNotFoundError(threadId);
      queue.clear(threadId);
      // A deleted child's parent goes on, with the call's error.
      for (let other = queue.waitingThread(); other; other = queue.waitingThread()) {
        await locked(other);
      }
    },
  };
  hosts.set(runner, { deps, run, expire });
  return runner;
}

/**
 * The environment's model when the rule may reach it (some agent names no model and the runner
 * has none): the one given, none with `false`, else the one `process.env` names.
 */
function environmentOf(options: RunnerOptions, agents: Iterable<Agent>): Model | undefined {
  if (options.environment === false || options.model) return undefined;
  if (![...agents].some((agent) => !agent.model)) return undefined;
  return options.environment ?? processEnvironmentModel(process.env);
}

/**
 * The step queue of one process: messages wait here, in order per thread as a FIFO group keeps
 * them, until the call that made them drains them. A step already waiting is not added twice
 * (as the FIFO queue's deduplication id does).
 */
class DrainQueue implements StepQueue {
  private readonly waiting = new Map<string, StepMessage[]>();

  async enqueue(message: StepMessage): Promise<void> {
    const queue = this.waiting.get(message.threadId) ?? [];
    const twice = queue.some((m) => !m.queued && !message.queued && m.version === message.version);
    if (!twice) queue.push(message);
    this.waiting.set(message.threadId, queue);
  }

  take(threadId: string): StepMessage | undefined {
    return this.waiting.get(threadId)?.shift();
  }

  clear(threadId: string): void {
    this.waiting.delete(threadId);
  }

  /** A thread with a step waiting, if any. */
  waitingThread(): string | undefined {
    for (const [threadId, messages] of this.waiting) {
      if (messages.length > 0) return threadId;
    }
    return undefined;
  }
}
