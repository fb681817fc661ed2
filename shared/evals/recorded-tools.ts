import type { Agent, PrefetchCall } from "../core/agent.ts";
import type { ThreadEvent } from "../core/events.ts";
import type { Model, ToolSource } from "../core/ports.ts";
import type { Tool, ToolContext } from "../core/tool.ts";
import { ToolError } from "../core/tool-error.ts";
import type { EvalCase } from "./case.ts";
import type { ReplayState } from "./replay-model.ts";

/** How a replay's tools answer: the recording's results, or the tools themselves. */
export const toolModes = ["recorded", "live"] as const;
export type ToolMode = (typeof toolModes)[number];

/**
 * The candidate agent of a replay: the same agent, with its model replaced by `model` and each
 * tool that runs answering as `mode` says. A tool the case mocks returns the mock, whatever the
 * mode. A recorded tool never runs: it serves the result (or the failure) the recording holds
 * for the same call, and with nothing to serve it marks the replay to stop.
 */
export function candidateAgent(
  agent: Agent,
  evalCase: EvalCase,
  mode: ToolMode,
  model: Model,
  state: ReplayState,
): Agent {
  const served = new Set<string>();
  const recordedRun = (tool: Tool, context: ToolContext): unknown => {
    const call = findRecordedCall(evalCase.recorded, tool.name, context.callId, state, served);
    const outcome = call && outcomeOf(evalCase.recorded, call);
    if (!call || !outcome) {
      state.stop ??= {
        step: state.steps,
        expected: null,
        actual: null,
        reason: `the recording holds no result for ${tool.name} (call ${context.callId})`,
      };
      throw new ToolError(state.stop.reason);
    }
    served.add(call);
    if ("result" in outcome) return outcome.result;
    throw new ToolError(outcome.failure);
  };
  const wrap = (tool: Tool): Tool => {
    const mocks = evalCase.mocks ?? {};
    if (tool.kind === "agent" || tool.kind === "callback") {
      if (mode === "live") return tool;
      // Recorded: the call's recorded outcome (the child's end, the outside world's answer) is
      // served as a sync tool's result; no child thread is launched, no `start` runs.
      const { spec, input, name, description } = tool;
      const served = (_args: never, context: ToolContext): unknown =>
        Object.hasOwn(mocks, name) ? mocks[name] : recordedRun(tool, context);
      return { name, description, input, spec, kind: "sync", run: served } as unknown as Tool;
    }
    if (!tool.run) return tool;
    const run = (args: never, context: ToolContext): unknown => {
      if (Object.hasOwn(mocks, tool.name)) return mocks[tool.name];
      if (mode === "live")
        return (tool.run as (a: never, c: ToolContext) => unknown)(args, context);
      return recordedRun(tool, context);
    };
    return { ...tool, run } as Tool;
  };
  const tools = agent.tools.map(wrap);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const prefetch = agent.prefetch.map(
    (call): PrefetchCall => ({ ...call, tool: byName.get(call.tool.name) ?? wrap(call.tool) }),
  );
  // Tools listed at run time (MCP servers) answer as the agent's own do: a recorded one never runs.
  const mcp = agent.mcp.map(
    (source): ToolSource => ({
      name: source.name,
      tools: async () => (await source.tools()).map(wrap),
    }),
  );
  return Object.freeze({
    ...agent,
    tools,
    prefetch,
    mcp,
    model,
    tool: (name: string) => byName.get(name),
  });
}

/**
 * The recording's call a recorded tool answers for: the one with the same id (ids agree while
 * the replay follows the recording), else the first call of that tool the model matched and no
 * result was served for yet.
 */
function findRecordedCall(
  recorded: readonly ThreadEvent[],
  tool: string,
  callId: string,
  state: ReplayState,
  served: ReadonlySet<string>,
): string | undefined {
  const same = recorded.find(
    (event) =>
      event.type === "tool_call" && event.data.callId === callId && event.data.tool === tool,
  );
  if (same && !served.has(callId)) {
    const owed = state.owed.findIndex((call) => call.callId === callId);
    if (owed >= 0) state.owed.splice(owed, 1);
    return callId;
  }
  const owed = state.owed.findIndex(
    (call) => call.tool === tool && call.callId && !served.has(call.callId),
  );
  if (owed < 0) return undefined;
  const [call] = state.owed.splice(owed, 1);
  return call?.callId;
}

/** The result or the failure the recording holds for `callId`. */
function outcomeOf(
  recorded: readonly ThreadEvent[],
  callId: string,
): { result: unknown } | { failure: string } | undefined {
  for (const event of recorded) {
    if (event.type === "tool_result" && event.data.callId === callId) {
      return { result: event.data.result };
    }
    if (
      event.type === "error" &&
      event.data.callId === callId &&
      event.data.code === "tool_failed"
    ) {
      // The event holds what the model read, `<tool> failed: <message>`; the replay shows the same.
      const prefix = `${event.data.tool} failed: `;
      const message = event.data.message;
      return { failure: message.startsWith(prefix) ? message.slice(prefix.length) : message };
    }
  }
  return undefined;
}
