import * as z from "zod";
import { defineTool } from "./tool.ts";

/** Pause and ask a person (factor 7): the thread waits for a `human_response`. */
export const requestMoreInformation = defineTool({
  name: "request_more_information",
  description: "Ask the user a question when the request is unclear or you need their input.",
  input: z.object({ message: z.string().describe("The question for the user") }),
  kind: "human",
});

/** Finish: the `message` is the thread's output. */
export const doneForNow = defineTool({
  name: "done_for_now",
  description: "Finish and give the user your final answer.",
  input: z.object({ message: z.string().describe("The final answer for the user") }),
  kind: "terminal",
});
