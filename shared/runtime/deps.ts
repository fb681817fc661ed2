import type { Agent } from "../core/agent.ts";
import type { PriceTable } from "../core/cost.ts";
import type { Clock, IdGenerator, Model, Notifier, StepQueue, ThreadStore } from "../core/ports.ts";

/** Everything the runtime's use cases need, as ports: DynamoDB, SQS, EventBridge or in-memory. */
export interface RuntimeDeps {
  agents: ReadonlyMap<string, Agent>;
  store: ThreadStore;
  queue: StepQueue;
  notifier: Notifier;
  /**
   * The model of the agents that name none (the agents module's `model`, or the runner's); the
   * step picks each agent's model by `pickModel` (agent's own, this, `environmentModel`).
   */
  model?: Model | undefined;
  /** The model the settings name (OpenAI from the environment), last in the model rule. */
  environmentModel?: Model | undefined;
  clock: Clock;
  ids: IdGenerator;
  /** Uniform in [0, 1): the jitter of retries after a lost race. Default `Math.random`. */
  random?: () => number;
  /** The URL people follow to see a thread, e.g. `https://api.example.com/threads/{id}`. */
  threadLink(threadId: string): string;
  /**
   * The URL a callback tool's answer is posted to, e.g. `https://api.example.com/callbacks/{token}`.
   * Default: `/callbacks/{token}` (a host without a public URL).
   */
  callbackUrl?(token: string): string;
  /**
   * Waits `ms` before a retry that is due soon (a tool's `retry` backoff), in process. Default: a
   * timer. Longer waits are never slept: see `INLINE_RETRY_WAIT_MS`.
   */
  sleep?(ms: number): Promise<void>;
  /** Model prices for the cost estimate `GET /threads/{id}` shows. Default `DEFAULT_PRICES`. */
  prices?: PriceTable;
  /**
   * The trace the work in scope runs in (the X-Ray root trace id where the worker traces): a child
   * launched now records it in its parent link, so its steps name the parent's trace.
   */
  traceId?(): string | undefined;
  /** Direct links to event data kept beside the store (S3); the HTTP API redirects to them. */
  dataLinks?: EventDataLinks;
}

/**
 * Where the data of one event can be fetched straight from where the store keeps it (a presigned
 * S3 URL), for data too large to pass through the API's answers.
 */
export interface EventDataLinks {
  /** A URL serving the data of the event at `version` (1-based), or `undefined` if it has none. */
  dataLink(threadId: string, version: number): Promise<string | undefined>;
}
