import { SUMMARY_TOOL } from "../core/compaction.ts";
import type { Usage } from "../core/events.ts";
import { canonicalJson } from "../core/hash.ts";
import type { Model, ModelReply, ModelRequest } from "../core/ports.ts";
import type { ExpectedCall } from "./case.ts";

/** Where a replay first left the recording: the call expected there and the one made. */
export interface Divergence {
  /** The model call (1-based, of this replay) where it happened; 0 outside a model call. */
  step: number;
  /** The recording's call at this point, or null when the recording made no more calls. */
  expected: ExpectedCall | null;
  /** The candidate's call, or null when what differed was not a call (see `reason`). */
  actual: ExpectedCall | null;
  reason: string;
}

/** Thrown inside a replay to stop it where it left the recording (never escapes `replayCase`). */
export class ReplayStop extends Error {
  readonly divergence: Divergence;
  constructor(divergence: Divergence) {
    super(divergence.reason);
    this.divergence = divergence;
  }
}

/** A call of the recording, with the id it had there. */
export interface RecordedCall extends ExpectedCall {
  callId?: string;
}

/** What a replay learns as the candidate's model answers. */
export interface ReplayState {
  steps: number;
  usage: Usage[];
  calls: ExpectedCall[];
  /** The recorded calls matched so far and not run yet, in order. */
  owed: RecordedCall[];
  divergence: Divergence | null;
  /** Set by a recorded tool that had nothing to serve: the next model call stops the replay. */
  stop: Divergence | null;
  /** Every request the candidate rendered, in order (what cassettes are keyed by). */
  requests: ModelRequest[];
}

export const sameCall = (a: ExpectedCall, b: ExpectedCall): boolean =>
  a.tool === b.tool && canonicalJson(a.args) === canonicalJson(b.args);

const isSummary = (request: ModelRequest) =>
  request.tools.length === 1 && request.tools[0]?.name === SUMMARY_TOOL.name;

/**
 * The candidate's model, watched: each call it picks is compared with the recording's call at
 * the same place. With `stopAtDivergence` (recorded tools), the first difference stops the replay;
 * otherwise it is noted and the replay goes on (live tools).
 */
export function replayModel(
  inner: Model,
  reference: readonly RecordedCall[] | undefined,
  state: ReplayState,
  stopAtDivergence: boolean,
): Model {
  return {
    ...(inner.identity ? { identity: inner.identity } : {}),
    async next(request: ModelRequest): Promise<ModelReply> {
      if (state.stop) throw new ReplayStop(state.stop);
      state.steps++;
      state.requests.push(request);
      const reply = await inner.next(request);
      if (reply.usage) state.usage.push(reply.usage);
      if (isSummary(request) || reply.type !== "tool_call") return reply;
      const actual = { tool: reply.tool, args: reply.args };
      const index = state.calls.length;
      state.calls.push(actual);
      if (!reference || state.divergence) return reply;
      const expected = reference[index];
      if (expected && sameCall(expected, actual)) {
        state.owed.push(expected);
        return reply;
      }
      state.divergence = {
        step: state.steps,
        expected: expected ? { tool: expected.tool, args: expected.args } : null,
        actual,
        reason: expected
          ? `call ${index + 1} differs from the recording`
          : `call ${index + 1} was not in the recording (it made ${reference.length})`,
      };
      if (stopAtDivergence) throw new ReplayStop(state.divergence);
      return reply;
    },
  };
}
