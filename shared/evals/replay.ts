import type { Agent } from "../core/agent.ts";
import { estimateCost, type PriceTable } from "../core/cost.ts";
import type { ThreadEvent, Usage } from "../core/events.ts";
import type { Clock, Model, ModelRequest } from "../core/ports.ts";
import { deriveHead, type Status } from "../core/thread.ts";
import { MemoryThreadStore } from "../runtime/memory-store.ts";
import { createRunner, type RunResult, runnerHost } from "../runtime/runner.ts";
import type { EvalCase, ExpectedCall } from "./case.ts";
import { candidateAgent, type ToolMode } from "./recorded-tools.ts";
import {
  type Divergence,
  type RecordedCall,
  type ReplayState,
  ReplayStop,
  replayModel,
} from "./replay-model.ts";

/** What one replay of a case did. */
export interface Replay {
  caseId: string;
  agent: string;
  /** Where the replayed thread stands (the status at the divergence, if it stopped there). */
  status: Status;
  output: string | null;
  /** The replay's events after the cut. */
  events: ThreadEvent[];
  /** The model's calls, in order (the diverging one included). */
  calls: ExpectedCall[];
  /** Model calls made. */
  steps: number;
  tokens: { input: number; output: number };
  /** Estimated from the prices; null when no model that answered has a price. */
  costUsd: number | null;
  /** The first place the replay left the recording, or null. */
  divergence: Divergence | null;
  /** Every request the candidate rendered, in order. */
  requests: ModelRequest[];
}

export interface ReplayOptions {
  /** The candidate agent (the case's, or the one `--agent` names). */
  agent: Agent;
  /** The model it runs with (the model rule already applied, cassettes wrapped around it). */
  model: Model;
  tools: ToolMode;
  prices: PriceTable;
}

/**
 * Replays a case with the in-process runner, in memory: the case's events are the thread, the
 * candidate runs from there, and each time it waits or ends the recording's next answer,
 * decision or message is given, until the recording has none left. Nothing is written anywhere
 * but a store this call owns. Throws what is not a divergence (a cassette miss, a bug).
 */
export async function replayCase(evalCase: EvalCase, options: ReplayOptions): Promise<Replay> {
  const state: ReplayState = {
    steps: 0,
    usage: [],
    calls: [],
    owed: [],
    divergence: null,
    stop: null,
    requests: [],
  };
  const stopAtDivergence = options.tools === "recorded";
  const model = replayModel(options.model, referenceCalls(evalCase), state, stopAtDivergence);
  const agent = candidateAgent(options.agent, evalCase, options.tools, model, state);
  const store = new MemoryThreadStore();
  const thread = { id: evalCase.threadId, agent: agent.name, events: [...evalCase.events] };
  await store.create({ thread, head: deriveHead(thread.events) });
  const runner = createRunner({ agents: [agent], store, clock: caseClock(evalCase) });
  const host = runnerHost(runner);

  let result: RunResult | undefined;
  try {
    await host.deps.queue.enqueue({ threadId: thread.id, version: thread.events.length });
    result = await host.run(thread.id);
    const inputs = evalCase.recorded.filter(
      (event) =>
        event.type === "approval_decision" ||
        event.type === "human_response" ||
        event.type === "user_message",
    );
    for (const input of inputs) {
      if (state.stop) break;
      const next = await answer(runner, result, input);
      if (!next) {
        const reason = `the replay is ${result.status} where the recording's next input is ${input.type}`;
        state.divergence ??= { step: state.steps, expected: null, actual: null, reason };
        break;
      }
      result = next;
    }
  } catch (error) {
    if (!(error instanceof ReplayStop)) throw error;
  }
  state.divergence ??= state.stop;
  const final = await runner.get(thread.id);
  const tokens = {
    input: sum(state.usage, (u) => u.inputTokens),
    output: sum(state.usage, (u) => u.outputTokens),
  };
  return {
    caseId: evalCase.id,
    agent: agent.name,
    status: final.status,
    output: final.output,
    events: final.events.slice(evalCase.events.length),
    calls: state.calls,
    steps: state.steps,
    tokens,
    costUsd: costOf(state.usage, options.prices),
    divergence: state.divergence,
    requests: state.requests,
  };
}

/** Gives `input` to the thread if it waits for that kind of input, and runs on; else null. */
async function answer(
  runner: ReturnType<typeof createRunner>,
  result: RunResult,
  input: ThreadEvent,
): Promise<RunResult | null> {
  const { pending } = result;
  const by = input.by ? { by: input.by } : {};
  switch (input.type) {
    case "approval_decision": {
      if (pending?.kind !== "approval") return null;
      const { approved, comment } = input.data;
      const reply = {
        callId: pending.callId,
        approved,
        ...(comment === undefined ? {} : { comment }),
      };
      return runner.respond(result.threadId, reply, by);
    }
    case "human_response":
      if (!pending || pending.kind === "approval") return null;
      return runner.respond(
        result.threadId,
        { callId: pending.callId, response: input.data.response },
        by,
      );
    case "user_message":
      if (pending?.kind === "approval" || result.status === "running") return null;
      if (result.status !== "done" && !pending) return null;
      return runner.message(result.threadId, input.data.message, by);
    default:
      return null;
  }
}

/** The calls a replay is held to: the recording's, else the case's expected calls, else none. */
function referenceCalls(evalCase: EvalCase): RecordedCall[] | undefined {
  if (evalCase.recorded.length > 0) {
    return evalCase.recorded.flatMap((event) =>
      event.type === "tool_call" && event.data.source === "model"
        ? [{ tool: event.data.tool, args: event.data.args, callId: event.data.callId }]
        : [],
    );
  }
  return evalCase.expect.calls;
}

/** The case's clock: from its start, `stepMs` further on every reading. */
function caseClock(evalCase: EvalCase): Clock {
  let next = Date.parse(evalCase.clock.start);
  return {
    now: () => {
      const now = new Date(next);
      next += evalCase.clock.stepMs;
      return now;
    },
  };
}

const sum = <T>(items: readonly T[], of: (item: T) => number) =>
  items.reduce((total, item) => total + of(item), 0);

/** The estimated dollars of model calls, priced as a thread's are; null when none has a price. */
export function costOf(usage: readonly Usage[], prices: PriceTable): number | null {
  const events = usage.map(
    (u): ThreadEvent => ({
      type: "tool_call",
      at: new Date(0).toISOString(),
      data: { callId: "", tool: "", args: null, source: "model", usage: u },
    }),
  );
  return estimateCost(events, prices).estimatedCostUsd;
}
