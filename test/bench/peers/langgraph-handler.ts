import { MemorySaver } from "@langchain/langgraph";
import { createLangGraphRunner } from "./langgraph.ts";

/** The minimal LangGraph handler: start a thread and run one step. */
export const handler = async (event: { threadId?: string }) => {
  const runner = createLangGraphRunner(new MemorySaver());
  const threadId = event.threadId ?? "bench";
  await runner.start(threadId, "Keep adding 1, starting from 0.");
  await runner.step(threadId);
  return { threadId };
};
