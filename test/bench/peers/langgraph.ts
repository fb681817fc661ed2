import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  type BaseCheckpointSaver,
  END,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import * as z from "zod";
import { cpuSince } from "../stats.ts";

/**
 * The calculator loop on LangGraph.js: an agent node (the scripted model: step i calls
 * add(i, 1)) and a ToolNode, compiled with a checkpointer and an interrupt before the agent node,
 * so every step is one resumed invocation (`invoke(null, config)`) that runs the model and the
 * tool and checkpoints each superstep, the way LangGraph persists and resumes a thread.
 */
const add = tool(({ a, b }: { a: number; b: number }) => a + b, {
  name: "add",
  description: "Add two numbers: a + b.",
  schema: z.object({ a: z.number(), b: z.number() }),
});

export function createLangGraphRunner(checkpointer: BaseCheckpointSaver) {
  const model = { calls: 0, cpuUs: 0 };
  const agent = async () => {
    const start = process.cpuUsage();
    const i = model.calls++;
    const message = new AIMessage({
      content: "",
      tool_calls: [{ id: `call_${i}`, name: "add", args: { a: i, b: 1 }, type: "tool_call" }],
    });
    model.cpuUs += cpuSince(start);
    return { messages: [message] };
  };
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", agent)
    .addNode("tools", new ToolNode([add]))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", (state) => {
      const last = state.messages.at(-1);
      return last instanceof AIMessage && (last.tool_calls?.length ?? 0) > 0 ? "tools" : END;
    })
    .addEdge("tools", "agent")
    .compile({ checkpointer, interruptBefore: ["agent"] });
  const config = (threadId: string, checkpointId?: string) => ({
    configurable: { thread_id: threadId, ...(checkpointId ? { checkpoint_id: checkpointId } : {}) },
    recursionLimit: 1_000_000,
  });
  return {
    model,
    async start(threadId: string, message: string): Promise<void> {
      await graph.invoke({ messages: [new HumanMessage(message)] }, config(threadId));
    },
    /** One step: resume the thread (from `checkpointId`, a fork, if given) to the next interrupt. */
    async step(threadId: string, checkpointId?: string): Promise<void> {
      await graph.invoke(null, config(threadId, checkpointId));
    },
    /** The id of the thread's latest checkpoint. */
    async head(threadId: string): Promise<string> {
      const state = await graph.getState(config(threadId));
      return state.config.configurable?.checkpoint_id as string;
    },
  };
}
