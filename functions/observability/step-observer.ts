import { AsyncLocalStorage } from "node:async_hooks";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { Tracer } from "@aws-lambda-powertools/tracer";
import type { StepMessage } from "../../shared/core/ports.ts";
import type { TreeKeys } from "../../shared/core/sub-agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import type { StepOutcome } from "../../shared/runtime/process-step.ts";
import { gatherStep, instrumentDeps, noSpans, type StepFacts } from "./instrument.ts";
import { publishStepMetrics } from "./metrics.ts";
import { stepAttributes, traceInvocation, traceLinks, tracerSpans } from "./tracing.ts";

/** How the worker watches its steps: spans, metrics, a line per step; any of them, or none. */
export interface StepObserver {
  /** The deps the steps run with: the model, the tools and the store decorated. */
  instrument(deps: RuntimeDeps): RuntimeDeps;
  /**
   * One step message's work, as a `step` span; what `run` returns or throws, unchanged. `tree`:
   * the thread's tree keys the worker notes while `run` reads it (filled by then), for the span.
   */
  step(
    message: StepMessage,
    run: () => Promise<StepOutcome>,
    tree?: Partial<TreeKeys>,
  ): Promise<StepOutcome>;
  /** One invocation (a batch): its steps' metrics are published before it returns. */
  invocation<T>(run: () => Promise<T>): Promise<T>;
}

export interface StepObserverOptions {
  /** Each step a subsegment (the model calls and tool runs its children). Tracing off: none. */
  tracer?: Tracer;
  /** Each invocation's steps published as EMF metrics when it ends. */
  metrics?: Metrics;
  /** Called with each step's facts when it ends (the local stack prints `stepLine`). */
  onStep?: (facts: StepFacts) => void;
}

/**
 * The worker's observer. The Lambda worker traces (Powertools Tracer, X-Ray) and publishes
 * metrics (Powertools Metrics); the local stack prints a line per step.
 *
 * @example
 * const observer = createStepObserver({ tracer: new Tracer(), metrics: createMetrics() });
 * const worker = createWorkerHandler(deps, logger, { maxReceives: 5, observer });
 */
export function createStepObserver(options: StepObserverOptions): StepObserver {
  const spans = options.tracer ? tracerSpans(options.tracer) : noSpans;
  // The steps of the invocation in scope: the local stack runs several at once.
  const invocationSteps = new AsyncLocalStorage<StepFacts[]>();
  return {
    instrument: (deps) =>
      instrumentDeps(options.tracer ? traceLinks(options.tracer, deps) : deps, spans),
    step: async (message, run, tree) => {
      const facts = await spans("step", async (span) => {
        const gathered = await gatherStep(message, run, tree);
        span.index(stepAttributes(gathered));
        if (gathered.outcome === "error") span.fail(gathered.error);
        return gathered;
      });
      invocationSteps.getStore()?.push(facts);
      options.onStep?.(facts);
      if (facts.outcome === "error") throw facts.error;
      return facts.outcome as StepOutcome;
    },
    invocation: (run) => {
      const steps: StepFacts[] = [];
      const watched = async () => {
        try {
          return await invocationSteps.run(steps, run);
        } finally {
          if (options.metrics) publishStepMetrics(options.metrics, steps);
        }
      };
      return options.tracer ? traceInvocation(options.tracer, watched) : watched();
    },
  };
}
