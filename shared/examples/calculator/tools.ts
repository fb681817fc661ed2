import { defineTool } from "twelve-agents";
import * as z from "zod";

const operands = z.object({ a: z.number(), b: z.number() });

export const add = defineTool({
  name: "add",
  description: "Add two numbers: a + b.",
  input: operands,
  kind: "sync",
  run: ({ a, b }) => a + b,
});

export const subtract = defineTool({
  name: "subtract",
  description: "Subtract two numbers: a - b.",
  input: operands,
  kind: "sync",
  run: ({ a, b }) => a - b,
});

export const multiply = defineTool({
  name: "multiply",
  description: "Multiply two numbers: a * b.",
  input: operands,
  kind: "sync",
  run: ({ a, b }) => a * b,
});

/** Needs a human's approval before it runs (the workshop's "risky" tool). */
export const divide = defineTool({
  name: "divide",
  description: "Divide two numbers: a / b. A human must approve every division.",
  input: operands,
  kind: "approval",
  run: ({ a, b }) => {
    if (b === 0) throw new RangeError("division by zero");
    return a / b;
  },
});
