/**
 * The CloudWatch metrics Twelve publishes (Powertools Metrics, EMF), in one namespace
 * (`POWERTOOLS_METRICS_NAMESPACE`, default `Twelve`), each with the dimensions `service` (the
 * function's `POWERTOOLS_SERVICE_NAME`) and `agent`. The dashboard and the alarms read them by
 * these names.
 */
export const DEFAULT_METRICS_NAMESPACE = "Twelve";

/** Published by the worker once per invocation, per agent. */
export const stepMetrics = {
  /** Step messages handled (every outcome); also by `agent` and `outcome`. */
  steps: "Steps",
  /** Wall time of each model call, in milliseconds. */
  modelLatency: "ModelLatency",
  inputTokens: "InputTokens",
  outputTokens: "OutputTokens",
  /** Steps that went wrong: threw (SQS delivers them again), wrote an `error` event, or failed the thread. */
  errors: "Errors",
  /** Escalations the runtime made: too many errors, `maxSteps`, `maxTokens`, an unusable model. */
  escalations: "Escalations",
} as const;

/** Published by the reconciler on its schedule, per agent served (0 when none wait). */
export const approvalMetrics = {
  approvalsWaiting: "ApprovalsWaiting",
  /** Seconds the oldest waiting approval has waited. */
  oldestApprovalAge: "OldestApprovalAge",
} as const;

/** The `agent` of a step that failed before its thread was read (no agent name can be this). */
export const NO_AGENT = "(none)";
