import type { Tracer } from "@aws-lambda-powertools/tracer";
import { SqsStepQueue } from "../../shared/aws/sqs/step-queue.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import {
  noSpans,
  type SpanAttributes,
  type Spans,
  type StepFacts,
  stepTokens,
  stepTool,
} from "./instrument.ts";

type Subsegment = NonNullable<Parameters<Parameters<Tracer["provider"]["captureAsyncFunc"]>[1]>[0]>;

/**
 * Whether Powertools Tracer could trace here: inside Lambda (`AWS_EXECUTION_ENV` set) and not
 * turned off (`POWERTOOLS_TRACE_ENABLED=false`). The Tracer applies its own rules on top (SAM
 * local, Amplify's mock: off), so this only tells where it is surely off.
 */
export const mayTrace = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env.AWS_EXECUTION_ENV) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== "false";

/**
 * Powertools Tracer, loaded only where it may trace: its module pulls in the X-Ray SDK and its
 * dependencies, the costliest import of the worker, which a function with tracing off never
 * evaluates.
 * Called at the handler's creation, so in a traced Lambda the SDK still loads during init.
 *
 * @example
 * const tracer = loadTracer(); // at init
 * createStepObserver({ tracer: await tracer }); // undefined: no spans
 */
export function loadTracer(env: NodeJS.ProcessEnv = process.env): Promise<Tracer | undefined> {
  if (!mayTrace(env)) return Promise.resolve(undefined);
  return import("@aws-lambda-powertools/tracer").then(({ Tracer }) => new Tracer());
}

/** The X-Ray metadata namespace the span attributes are kept under, by their dotted names. */
export const METADATA_NAMESPACE = "twelve";

/** An X-Ray annotation key: only `[A-Za-z0-9_]` is allowed, so `gen_ai.tool.name` is `gen_ai_tool_name`. */
export const annotationKey = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, "_");

/**
 * Spans as X-Ray subsegments, through Powertools Tracer: each a child of the current segment
 * (`captureAsyncFunc` runs it in its own context, so the spans opened inside nest under it),
 * closed when `run` settles. In Lambda a closed subsegment is sent to the X-Ray daemon at once
 * (the SDK streams every subsegment there), so every span has left before the invocation
 * returns. With tracing off (outside Lambda, `POWERTOOLS_TRACE_ENABLED=false`) there are none.
 */
export function tracerSpans(tracer: Tracer): Spans {
  if (!tracer.isTracingEnabled()) return noSpans;
  return <T>(name: string, run: Parameters<Spans>[1]) =>
    tracer.provider.captureAsyncFunc(name, async (subsegment) => {
      if (!subsegment) return (await noSpans(name, run)) as T;
      try {
        return (await run(xraySpan(subsegment))) as T;
      } finally {
        subsegment.close();
      }
    }) as Promise<T>;
}

function xraySpan(subsegment: Subsegment) {
  const set = (attributes: SpanAttributes) => {
    for (const [name, value] of Object.entries(attributes)) {
      subsegment.addMetadata(name, value, METADATA_NAMESPACE);
    }
  };
  return {
    set,
    index: (attributes: SpanAttributes) => {
      set(attributes);
      for (const [name, value] of Object.entries(attributes)) {
        subsegment.addAnnotation(annotationKey(name), value);
      }
    },
    fail: (error: unknown) => subsegment.addError(error instanceof Error ? error : String(error)),
  };
}

/**
 * `deps` whose work links the traces of a tree: the step queue's SQS client captured (each send a
 * subsegment, its request carrying the `X-Amzn-Trace-Id` header SQS keeps as the message's
 * `AWSTraceHeader`, so X-Ray links the step that enqueued to the one that runs), and `traceId`
 * reading the invocation's root trace id (a child launched records it). With tracing off,
 * `deps` as they are.
 *
 * @example
 * const traced = traceLinks(new Tracer(), deps);
 */
export function traceLinks(tracer: Tracer, deps: RuntimeDeps): RuntimeDeps {
  if (!tracer.isTracingEnabled()) return deps;
  if (deps.queue instanceof SqsStepQueue) tracer.captureAWSv3Client(deps.queue.client);
  return { ...deps, traceId: () => tracer.getRootXrayTraceId() };
}

/**
 * A step's span attributes: OpenTelemetry GenAI names where one exists (the agent, the thread as
 * the conversation, the model, the tokens, the tool), `twelve.*` for the rest: among them the
 * thread's root and, for a child, its parent, indexed as `twelve_root_thread_id` and
 * `twelve_parent_thread_id`, so `annotation.twelve_root_thread_id = "thr_…"` finds a tree's steps;
 * and a child's `twelve_parent_trace_id`, the trace of the parent's step that launched it.
 */
export function stepAttributes(facts: StepFacts): SpanAttributes {
  const tokens = stepTokens(facts);
  const tool = stepTool(facts);
  const model = facts.modelCalls.findLast((call) => call.requestModel)?.requestModel;
  return {
    ...(facts.agent ? { "gen_ai.agent.name": facts.agent } : {}),
    "gen_ai.conversation.id": facts.threadId,
    "twelve.thread.version": facts.version,
    ...(facts.tree ? { "twelve.root_thread_id": facts.tree.rootThreadId } : {}),
    ...(facts.tree?.parentThreadId ? { "twelve.parent_thread_id": facts.tree.parentThreadId } : {}),
    ...(facts.tree?.parentTraceId ? { "twelve.parent_trace_id": facts.tree.parentTraceId } : {}),
    ...(model ? { "gen_ai.request.model": model } : {}),
    "gen_ai.usage.input_tokens": tokens.input,
    "gen_ai.usage.output_tokens": tokens.output,
    ...(tool ? { "gen_ai.tool.name": tool } : {}),
    "twelve.step.outcome": facts.outcome ?? "error",
  };
}

/**
 * One invocation as the `## <handler>` subsegment Powertools' own middleware makes (ColdStart
 * and Service annotations, the response or the error as metadata), the steps nested in it.
 */
export async function traceInvocation<T>(tracer: Tracer, run: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return run();
  const handler = `## ${process.env._HANDLER ?? "handler"}`;
  return tracer.provider.captureAsyncFunc(handler, async (subsegment) => {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      const response = await run();
      tracer.addResponseAsMetadata(response, process.env._HANDLER);
      return response;
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  }) as Promise<T>;
}
