import type { ThreadEvent } from "../core/events.ts";
import { deriveOutput, deriveStatus, type Status } from "../core/thread.ts";

/**
 * The version of the case format this release writes and reads. A case of a newer version is
 * refused by line (its fields may mean what this release cannot know).
 */
export const EVAL_CASE_VERSION = 1;

/** A stored thread as the HTTP API (`GET /threads/{id}`) or a runner answers it. */
export interface RecordedThread {
  threadId: string;
  agent: string;
  events: readonly ThreadEvent[];
}

/** A case as `caseFromThread` writes it, before the schema checks it (the console builds it too). */
export interface CaseDraft {
  version: typeof EVAL_CASE_VERSION;
  id: string;
  agent: string;
  threadId: string;
  clock: { start: string; stepMs: number };
  events: ThreadEvent[];
  recorded: ThreadEvent[];
  expect: {
    calls: { tool: string; args: unknown }[];
    status: Status;
    output?: { exact: string };
  };
  source: { threadId: string; version: number };
}

/** The model's calls among `events` (prefetch calls are the agent's, not choices). */
export const modelCalls = (events: readonly ThreadEvent[]) =>
  events.flatMap((event) =>
    event.type === "tool_call" && event.data.source === "model"
      ? [{ tool: event.data.tool, args: event.data.args }]
      : [],
  );

/**
 * The case of a thread cut at version `at` (1 to its length, else a `RangeError`): the events
 * up to it are the input, the rest is what the replay serves and answers from, and the
 * expectations are what the thread went on to do. No I/O and no schema: the console runs it.
 */
export function draftCase(
  thread: RecordedThread,
  options: { at?: number; id?: string } = {},
): CaseDraft {
  const at = options.at ?? 1;
  const events = thread.events.map(withoutVersion);
  if (!Number.isInteger(at) || at < 1 || at > events.length) {
    throw new RangeError(
      `thread ${thread.threadId} has versions 1 to ${events.length}; cannot cut it at ${at}`,
    );
  }
  const input = events.slice(0, at);
  const recorded = events.slice(at);
  const output = deriveOutput(events);
  return {
    version: EVAL_CASE_VERSION,
    id: options.id ?? `${thread.threadId}@${at}`,
    agent: thread.agent,
    threadId: thread.threadId,
    clock: { start: (input.at(-1) as ThreadEvent).at, stepMs: 1000 },
    events: input,
    recorded,
    expect: {
      calls: modelCalls(recorded),
      status: deriveStatus(events),
      ...(output === null ? {} : { output: { exact: output } }),
    },
    source: { threadId: thread.threadId, version: at },
  };
}

/** An event as the API lists it carries its `version`: the case keeps the event alone. */
function withoutVersion(event: ThreadEvent): ThreadEvent {
  if (!("version" in event)) return event;
  const { version: _version, ...rest } = event as ThreadEvent & { version: unknown };
  return rest as ThreadEvent;
}
