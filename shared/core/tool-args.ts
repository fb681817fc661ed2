import * as z from "zod";
import { absentForNull } from "./optional-fields.ts";
import type { Tool, ToolInput } from "./tool.ts";

/** zod's JSON Schema of each input, before the strict form: where its optional fields are. */
const schemas = new WeakMap<ToolInput, Record<string, unknown>>();

function schemaOf(input: ToolInput): Record<string, unknown> {
  let schema = schemas.get(input);
  if (!schema) {
    schema = z.toJSONSchema(input, { io: "output", target: "draft-2020-12" });
    schemas.set(input, schema);
  }
  return schema;
}

/**
 * The arguments of a call of `tool` parsed by its zod input, after a `null` sent for an
 * `.optional()` field (the tool's strict schema asks for one: see `strictOptionals`) is read as
 * the field left out.
 *
 * @example
 * parseToolArgs(openTicket, { title: "Fix it", note: null }); // success, data: { title: "Fix it" }
 */
export function parseToolArgs(tool: Tool, raw: unknown) {
  return tool.input.safeParse(absentForNull(schemaOf(tool.input), raw));
}
