import { createLangGraphRunner } from "./langgraph.ts";
import { sqliteSaver } from "./sqlite-saver.ts";

/** The minimal LangGraph handler on SqliteSaver: start a thread and run one step. */
export const handler = async (event: { threadId?: string }) => {
  const runner = createLangGraphRunner(sqliteSaver());
  const threadId = event.threadId ?? "bench";
  await runner.start(threadId, "Keep adding 1, starting from 0.");
  await runner.step(threadId);
  return { threadId };
};
