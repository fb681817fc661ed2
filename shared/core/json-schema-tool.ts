import * as z from "zod";
import { ConfigError } from "./errors.ts";

/**
 * A tool's input described by JSON Schema (draft 2020-12), as MCP servers and OpenAPI documents
 * describe theirs: an object schema, sent to the model as written.
 */
export type JsonSchemaObject = { type: "object" } & Record<string, unknown>;

/** A tool's input schema (tool.ts's `ToolInput`, named here so the two files do not import each other). */
type ToolInput = z.ZodObject;

/**
 * The validator of a JSON-Schema tool's arguments: zod's own `z.fromJSONSchema`, so a JSON-Schema
 * tool is checked by the same code path as a zod tool (the step's `safeParse`, its issues naming
 * each field) and no second validator ships with the package. It reads what MCP servers send:
 * `$ref`/`$defs`, `anyOf`/`oneOf`/`allOf`, `enum`/`const`, formats, patterns and bounds. A schema
 * it cannot read (`if`/`then`/`else`, an unknown `type`) is a configuration error here, naming
 * the tool, rather than arguments let through unchecked.
 */
export function jsonSchemaInput(toolName: string, parameters: JsonSchemaObject): ToolInput {
  if (parameters?.type !== "object") {
    throw new ConfigError(
      `tool "${toolName}": parameters must be a JSON Schema of type "object" (the model sends ` +
        `its arguments as one JSON object), got ${JSON.stringify(parameters?.type ?? null)}`,
    );
  }
  try {
    // Only `safeParse` is read from a tool's input: any zod schema serves as one.
    return z.fromJSONSchema(parameters as z.core.JSONSchema.JSONSchema) as unknown as ToolInput;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(
      `tool "${toolName}": its JSON Schema cannot be used to check arguments (${reason})`,
      { cause },
    );
  }
}

/** The keywords strict function calling takes (OpenAI's list); any other makes a schema non-strict. */
const STRICT_KEYWORDS = new Set([
  "$schema",
  "$ref",
  "$defs",
  "definitions",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "description",
  "title",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
]);

/**
 * Whether strict function calling can take the schema as it is: every object closed
 * (`additionalProperties: false`) with every property required, and no keyword outside the ones
 * it takes (`oneOf`, `allOf`, `default`, `minLength`, ... are not). MCP servers' schemas rarely
 * are (optional properties are the norm): those are sent with `strict: false`, not refused.
 *
 * @example
 * isStrictSchema({ type: "object", properties: { a: { type: "number" } }, required: ["a"],
 *   additionalProperties: false }); // true
 */
export function isStrictSchema(node: unknown): boolean {
  if (typeof node === "boolean") return false;
  if (typeof node !== "object" || node === null || Array.isArray(node)) return false;
  const schema = node as Record<string, unknown>;
  if (Object.keys(schema).some((key) => !STRICT_KEYWORDS.has(key))) return false;
  const children: unknown[] = [];
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  if (schema.type === "object" || schema.properties !== undefined) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    if (Object.keys(properties).some((key) => !required.has(key))) return false;
    if (schema.additionalProperties !== false) return false;
    children.push(...Object.values(properties));
  }
  if (schema.items !== undefined) children.push(schema.items);
  if (Array.isArray(schema.anyOf)) children.push(...schema.anyOf);
  for (const defs of [schema.$defs, schema.definitions]) {
    if (defs && typeof defs === "object") children.push(...Object.values(defs));
  }
  return children.every(isStrictSchema);
}

/** The schema as the model is sent it: without the `$schema` marker the model APIs refuse. */
export function modelSchema(parameters: JsonSchemaObject): Record<string, unknown> {
  const { $schema: _marker, ...schema } = parameters;
  return schema;
}
