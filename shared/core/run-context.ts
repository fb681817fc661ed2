import type * as z from "zod";
import { registerErrorNames, TwelveError } from "./errors.ts";
import type { Thread } from "./thread.ts";

/**
 * The run context (a ticket id, a tenant): what a thread's launch says about the work, handed to
 * the agent's tools, its prefetch and its prompt function. It is read from the `metadata` of the
 * thread's first event, so it is the same in every host (the runner, `twelve dev`, Lambda), and a
 * fork, which copies that event, keeps its source's context.
 *
 * An agent that declares `runContext: z.object({...})` gets the metadata parsed by that schema
 * (typed); one that declares none gets the metadata as it is (`{}` when the launch had none).
 */
export type RunContextSchema = z.ZodObject;

/** The run context a schema gives: its output, or the raw metadata without a schema. */
export type RunContextOf<R extends RunContextSchema | undefined> = R extends RunContextSchema
  ? z.output<R>
  : Record<string, unknown>;

/**
 * A launch whose `metadata` does not pass the agent's `runContext` schema: nothing is written.
 * `field` names the first field at fault, as the launch body spells it (`metadata.ticketId`).
 */
export class InvalidMetadataError extends TwelveError {
  readonly field: string;
  constructor(message: string, field: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "invalid_metadata" });
    this.field = field;
  }
}

registerErrorNames({ InvalidMetadataError });

/**
 * The launch metadata parsed by `schema`; throws `InvalidMetadataError` naming each field at fault.
 *
 * @example
 * parseRunContext("support", z.object({ ticketId: z.string() }), {});
 * // InvalidMetadataError: metadata.ticketId: Invalid input: expected string, received undefined
 */
export function parseRunContext<R extends RunContextSchema>(
  agent: string,
  schema: R,
  metadata: Record<string, unknown> | undefined,
): z.output<R> {
  const parsed = schema.safeParse(metadata ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: ["metadata", ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const first = issues[0] ?? { field: "metadata", message: "invalid" };
  throw new InvalidMetadataError(
    `${issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ")} ` +
      `(agent "${agent}" reads its run context from the launch's metadata)`,
    first.field,
    { cause: parsed.error },
  );
}

/** The launch metadata a thread holds: the `metadata` of its first event, if any. */
export function launchMetadataOf(thread: Pick<Thread, "events">): Record<string, unknown> {
  const first = thread.events[0];
  return first?.type === "user_message" ? (first.data.metadata ?? {}) : {};
}

/**
 * The run context of a thread for an agent: its launch metadata, parsed by the agent's schema
 * when it has one. Pure: the same thread gives the same context on every step and in every host.
 */
export function runContextOf(
  agent: { name: string; runContext: RunContextSchema | undefined },
  thread: Pick<Thread, "events">,
): Record<string, unknown> {
  const metadata = launchMetadataOf(thread);
  return agent.runContext ? parseRunContext(agent.name, agent.runContext, metadata) : metadata;
}
