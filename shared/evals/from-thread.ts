import type { ThreadEvent } from "../core/events.ts";
import { deriveOutput, deriveStatus } from "../core/thread.ts";
import { checkCase, EVAL_CASE_VERSION, type EvalCase } from "./case.ts";
import { DatasetError } from "./errors.ts";

/** A stored thread as the HTTP API (`GET /threads/{id}`) or a runner answers it. */
export interface RecordedThread {
  threadId: string;
  agent: string;
  events: readonly ThreadEvent[];
}

/** The model's calls among `events` (prefetch calls are the agent's, not choices). */
export const modelCalls = (events: readonly ThreadEvent[]) =>
  events.flatMap((event) =>
    event.type === "tool_call" && event.data.source === "model"
      ? [{ tool: event.data.tool, args: event.data.args }]
      : [],
  );

/**
 * A case from a stored thread: its events up to version `at` (by default 1, the first message)
 * are the input, the rest is what the replay serves and answers from, and the expectations are
 * what the thread went on to do: its calls in order, its final status and output.
 *
 * @example
 * const run = await runner.launch("calculator", "what is 3 + 4?");
 * const evalCase = caseFromThread(run); // replays from the first message
 */
export function caseFromThread(
  thread: RecordedThread,
  options: { at?: number; id?: string } = {},
): EvalCase {
  const at = options.at ?? 1;
  const { events } = thread;
  if (!Number.isInteger(at) || at < 1 || at > events.length) {
    throw new DatasetError(
      `thread ${thread.threadId} has versions 1 to ${events.length}; cannot cut it at ${at}`,
      0,
    );
  }
  const input = events.slice(0, at);
  const recorded = events.slice(at);
  const output = deriveOutput(events);
  const last = input.at(-1) as ThreadEvent;
  return checkCase({
    version: EVAL_CASE_VERSION,
    id: options.id ?? `${thread.threadId}@${at}`,
    agent: thread.agent,
    threadId: thread.threadId,
    clock: { start: last.at, stepMs: 1000 },
    events: input,
    recorded,
    expect: {
      calls: modelCalls(recorded),
      status: deriveStatus(events),
      ...(output === null ? {} : { output: { exact: output } }),
    },
    source: { threadId: thread.threadId, version: at },
  });
}
