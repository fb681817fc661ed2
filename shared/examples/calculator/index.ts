import { defineAgent, doneForNow, requestMoreInformation } from "twelve-agents";
import { calculatorPrompt } from "./prompt.ts";
import { add, divide, multiply, subtract } from "./tools.ts";

/**
 * The reference agent: four arithmetic tools (divide needs approval), a question tool and a
 * terminal tool. Tool names and inputs are a public contract.
 */
export const calculator = defineAgent({
  name: "calculator",
  prompt: calculatorPrompt,
  tools: [add, subtract, multiply, divide, requestMoreInformation, doneForNow],
  maxSteps: 20,
});
