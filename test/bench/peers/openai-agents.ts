import {
  Agent,
  type Model,
  type ModelRequest,
  type ModelResponse,
  RunState,
  run,
  setTracingDisabled,
  tool,
  Usage,
} from "@openai/agents";
import * as z from "zod";
import { cpuSince } from "../stats.ts";

/**
 * The calculator loop on the OpenAI Agents SDK. `add` needs approval, so every run stops after
 * the model's call with an interruption: the state is serialized (`RunState.toString()`) and
 * persisted, and the next step resumes it with `RunState.fromString`, approves and runs again,
 * the way that SDK resumes a paused run. The model is scripted: step i calls add(i, 1).
 */
setTracingDisabled(true);

class ScriptedAgentsModel implements Model {
  calls = 0;
  cpuUs = 0;
  async getResponse(_request: ModelRequest): Promise<ModelResponse> {
    const start = process.cpuUsage();
    const i = this.calls++;
    const response: ModelResponse = {
      usage: new Usage(),
      output: [
        {
          type: "function_call",
          callId: `call_${i}`,
          name: "add",
          arguments: JSON.stringify({ a: i, b: 1 }),
          status: "completed",
        },
      ],
    };
    this.cpuUs += cpuSince(start);
    return response;
  }
  // biome-ignore lint/correctness/useYield: the benchmark never streams
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("not used");
  }
}

const add = tool({
  name: "add",
  description: "Add two numbers: a + b.",
  parameters: z.object({ a: z.number(), b: z.number() }),
  needsApproval: true,
  execute: ({ a, b }) => a + b,
});

const MAX_TURNS = 1_000_000;

export function createAgentsRunner() {
  const model = new ScriptedAgentsModel();
  const agent = new Agent({
    name: "calculator",
    instructions: "You are a careful calculator. Use the tools for every operation.",
    tools: [add],
    model,
  });
  return {
    model,
    /** Launches a run; the serialized state after the model's first call. */
    async start(message: string): Promise<string> {
      const result = await run(agent, message, { maxTurns: MAX_TURNS });
      return result.state.toString();
    },
    /** One step: resume the persisted state, approve the call, run to the next call, persist. */
    async step(saved: string): Promise<string> {
      const state = await RunState.fromString(agent, saved);
      for (const interruption of state.getInterruptions()) state.approve(interruption);
      const result = await run(agent, state, { maxTurns: MAX_TURNS });
      return result.state.toString();
    },
  };
}
