import { defineAgent, defineTool, doneForNow } from "twelve-agents";
import * as z from "zod";

/**
 * The agents module of the large-results tests: `read_blob` returns a text of the size asked for,
 * the way a tool that reads a file or a web page returns one, with quotes, backslashes and
 * non-ASCII among it (they grow when JSON-escaped, and "é" takes two bytes).
 */

/** The text `read_blob` returns for `bytes`: deterministic, so a test can compare it whole. */
export function blob(bytes: number): string {
  const line = 'row "quoted" \\ back, café\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

export const readBlob = defineTool({
  name: "read_blob",
  description: "Read a blob of the given size in characters.",
  input: z.object({ bytes: z.number().int().positive() }),
  kind: "sync",
  run: ({ bytes }) => blob(bytes),
});

/** Reads what it is told to, then says so; the model sees each result cut to `resultBudget`. */
export const reader = defineAgent({
  name: "reader",
  prompt: "Read the blobs you are asked for, then say you are done.",
  tools: [readBlob, doneForNow],
});

export const agents = [reader];
