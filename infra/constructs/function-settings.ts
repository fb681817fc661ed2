import { Duration, Token } from "aws-cdk-lib";
import { ConfigError } from "../../shared/core/errors.ts";
import { type HandlerName, handlerNames } from "./handler-entries.ts";

/** What a deployment may set of one function; unset keys keep the defaults below. */
export interface FunctionSettings {
  /** Megabytes, 128 to 10,240 (Lambda's range); CPU grows with it. */
  memorySize?: number;
  /** At most 15 minutes (the API: 30 s, the HTTP API's wait for its integration). */
  timeout?: Duration;
  /** Concurrent executions reserved for (and capping) the function: at least 1. */
  reservedConcurrentExecutions?: number;
}

/** `functions` of `TwelveRuntimeProps`: settings by the handler each function runs. */
export type FunctionsSettings = Partial<Record<HandlerName, FunctionSettings>>;

/** One function's settings with the defaults filled in. */
export interface ResolvedFunctionSettings {
  memorySize: number;
  timeout: Duration;
  reservedConcurrentExecutions?: number;
}

/** A step: one model call (60 s SDK timeout, retries) and tools, up to 10 per FIFO batch in turn. */
export const WORKER_TIMEOUT = Duration.minutes(5);

/**
 * Each function's memory and timeout when `functions` leaves them unset; no reserved concurrency.
 * The worker waits on the model and tools; the API and the trigger write and enqueue; the
 * authorizer checks a key.
 */
export const functionDefaults = {
  api: { memorySize: 512, timeout: Duration.seconds(10) },
  worker: { memorySize: 512, timeout: WORKER_TIMEOUT },
  trigger: { memorySize: 512, timeout: Duration.seconds(10) },
  reconciler: { memorySize: 512, timeout: Duration.minutes(1) },
  authorizer: { memorySize: 512, timeout: Duration.seconds(5) },
  notify: { memorySize: 512, timeout: Duration.seconds(60) },
  reaper: { memorySize: 512, timeout: Duration.minutes(1) },
} as const satisfies Record<HandlerName, ResolvedFunctionSettings>;

/** AWS's advice for an SQS event source: a visibility timeout of six times the function's timeout. */
export const visibilityFor = (timeout: Duration): Duration =>
  Duration.seconds(timeout.toSeconds() * 6);

/**
 * The functions an SQS queue feeds (the worker: steps; the trigger: the inbox). Their reserved
 * concurrency also caps the queue's pollers (`sqsMaxConcurrency`): a poller the reserve throttles
 * returns the message, and each such return counts as a receive toward the dead letters.
 */
export const fedByQueue = {
  worker: true,
  trigger: true,
  api: false,
  reconciler: false,
  authorizer: false,
  notify: false,
  reaper: false,
} as const satisfies Record<HandlerName, boolean>;

/** An SQS event source's cap on concurrent invocations for a reserve: 2 to 1,000 (Lambda's range). */
export const sqsMaxConcurrency = (reserved: number | undefined): number | undefined =>
  reserved === undefined ? undefined : Math.min(reserved, 1000);

/** Lambda's limits, and the HTTP API's 30 s wait for the API function. */
const LIMITS = {
  memory: { min: 128, max: 10_240 },
  timeoutSeconds: { min: 1, max: 900 },
  apiTimeoutSeconds: 30,
} as const;

/**
 * The settings of every function: `functions`' values over the defaults, checked at synth. A bad
 * value throws a `ConfigError` naming the setting, the limit and the value given.
 *
 * @example
 * const settings = resolveFunctionSettings({ worker: { timeout: Duration.minutes(10) } });
 * settings.worker.timeout.toMinutes(); // 10
 */
export function resolveFunctionSettings(
  functions: FunctionsSettings = {},
): Record<HandlerName, ResolvedFunctionSettings> {
  const known: readonly string[] = handlerNames;
  for (const name of Object.keys(functions)) {
    if (!known.includes(name)) {
      fail(`functions.${name}`, `is not a function of the runtime; use ${known.join(", ")}`);
    }
  }
  return Object.fromEntries(
    handlerNames.map((name) => [name, resolveOne(name, functions[name] ?? {})]),
  ) as Record<HandlerName, ResolvedFunctionSettings>;
}

function resolveOne(name: HandlerName, given: FunctionSettings): ResolvedFunctionSettings {
  const at = `functions.${name}`;
  const memorySize = given.memorySize ?? functionDefaults[name].memorySize;
  const timeout = given.timeout ?? functionDefaults[name].timeout;
  checkWhole(`${at}.memorySize`, memorySize, LIMITS.memory, "MB");
  const seconds = wholeSeconds(`${at}.timeout`, timeout);
  if (seconds !== undefined) {
    checkWhole(`${at}.timeout`, seconds, LIMITS.timeoutSeconds, "s");
    if (name === "api" && seconds > LIMITS.apiTimeoutSeconds) {
      fail(
        `${at}.timeout`,
        `must be at most ${LIMITS.apiTimeoutSeconds} s: the HTTP API answers 503 after waiting ${LIMITS.apiTimeoutSeconds} s for the function, got ${seconds} s`,
      );
    }
  }
  const reserved = given.reservedConcurrentExecutions;
  if (reserved !== undefined) {
    checkWhole(`${at}.reservedConcurrentExecutions`, reserved, { min: 1 }, "");
    if (fedByQueue[name] && reserved < 2) {
      fail(
        `${at}.reservedConcurrentExecutions`,
        `must be at least 2: it caps the SQS queue's pollers too, which Lambda allows from 2, got ${reserved}`,
      );
    }
  }
  return {
    memorySize,
    timeout,
    ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
  };
}

/** The timeout in whole seconds, or undefined when it is a token resolved at deploy. */
function wholeSeconds(at: string, timeout: Duration): number | undefined {
  if (timeout.isUnresolved()) return undefined;
  const millis = timeout.toMilliseconds();
  if (millis % 1000 !== 0) fail(at, `must be whole seconds (Lambda's unit), got ${millis} ms`);
  return millis / 1000;
}

function checkWhole(at: string, value: number, range: { min: number; max?: number }, unit: string) {
  if (Token.isUnresolved(value)) return;
  const shown = `${value}${unit ? ` ${unit}` : ""}`;
  const bounds =
    range.max === undefined ? `at least ${range.min}` : `from ${range.min} to ${range.max}`;
  if (
    !Number.isInteger(value) ||
    value < range.min ||
    (range.max !== undefined && value > range.max)
  ) {
    fail(at, `must be a whole number ${bounds}${unit ? ` ${unit}` : ""}, got ${shown}`);
  }
}

function fail(at: string, problem: string): never {
  throw new ConfigError(`TwelveRuntime ${at} ${problem}`);
}
