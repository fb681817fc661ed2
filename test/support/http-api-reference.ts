import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { createApiHandler } from "../../functions/api/app.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";
import { repoRoot } from "./repo.ts";

/**
 * docs/http-api-reference.md, generated from the API's own `GET /openapi.json` (the document is
 * built from the schemas that validate requests): `node test/support/http-api-reference.ts`
 * writes it, and test/unit/http-api-reference.test.ts fails when the page is not what this
 * writes today.
 */
export const REFERENCE_PAGE = join(repoRoot, "docs", "http-api-reference.md");

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  additionalProperties?: boolean | Schema;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};
type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema: Schema;
};
type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};
type Document = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
};

/** The OpenAPI document, as `GET /openapi.json` answers it (in process, over a memory store). */
export async function fetchOpenApiDocument(): Promise<Document> {
  const deps = { store: new MemoryThreadStore(), agents: [] } as unknown as RuntimeDeps;
  const api = createApiHandler(deps, {
    maxBodyBytes: 65_536,
    logger: new Logger({ logLevel: "ERROR" }),
  });
  const answer = await api({
    rawPath: "/openapi.json",
    headers: {},
    requestContext: { http: { method: "GET" } },
  } as never);
  if (answer.statusCode !== 200) throw new Error(`GET /openapi.json answered ${answer.statusCode}`);
  return JSON.parse(answer.body ?? "") as Document;
}

/** A schema as a compact TypeScript-like type, objects over several lines past `width`. */
export function typeOf(schema: Schema, indent = ""): string {
  if (schema.$ref) return schema.$ref.split("/").at(-1) as string;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((member) => typeOf(member, indent)).join(" | ");
  if (schema.allOf) return schema.allOf.map((member) => typeOf(member, indent)).join(" & ");
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array") {
    const items = schema.items ?? {};
    const item = typeOf(items, indent);
    const union =
      Boolean(items.anyOf ?? items.oneOf ?? items.allOf) || (items.enum?.length ?? 0) > 1;
    return union || Array.isArray(items.type) ? `(${item})[]` : `${item}[]`;
  }
  if (schema.type === "object" || schema.properties) {
    const entries = Object.entries(schema.properties ?? {});
    const values = schema.additionalProperties;
    // A record (`z.record`): the type of its values, keyed by string.
    if (entries.length === 0 && typeof values === "object") {
      return `Record<string, ${typeOf(values, indent)}>`;
    }
    if (entries.length === 0) return "object";
    const inner = `${indent}  `;
    const fields = entries.map(([name, field]) => {
      const optional = schema.required?.includes(name) ? "" : "?";
      const note = field.description ? ` // ${field.description}` : "";
      return `${inner}${name}${optional}: ${typeOf(field, inner)};${note}`;
    });
    return `{\n${fields.join("\n")}\n${indent}}`;
  }
  return schema.type ?? "any";
}

/** The bounds and default of a parameter, in words. */
function bounds(schema: Schema): string {
  const parts = [
    schema.minimum !== undefined && schema.maximum !== undefined
      ? `${schema.minimum} to ${schema.maximum}`
      : "",
    schema.minLength !== undefined || schema.maxLength !== undefined
      ? `${schema.minLength ?? 0}-${schema.maxLength ?? "…"} characters`
      : "",
    schema.pattern ? `\`${schema.pattern}\`` : "",
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : "",
  ].filter(Boolean);
  return parts.join(", ");
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const isError = (schema: Schema | undefined) =>
  Boolean(schema?.properties?.error && Object.keys(schema.properties).length === 1);

function operationSection(method: string, path: string, op: Operation): string[] {
  const lines = [`## \`${method.toUpperCase()} ${path}\``, ""];
  if (op.summary) lines.push(`${op.summary}.`, "");
  if (op.description) lines.push(op.description, "");
  lines.push(op.security?.length ? "Needs the bearer token." : "No bearer token needed.", "");
  if (op.parameters?.length) {
    lines.push("| parameter | in | required | type | what |", "| --- | --- | --- | --- | --- |");
    for (const p of op.parameters) {
      const what = [p.description ?? p.schema.description ?? "", bounds(p.schema)]
        .filter(Boolean)
        .join("; ");
      lines.push(
        `| \`${p.name}\` | ${p.in} | ${p.required ? "yes" : "no"} | \`${cell(typeOf(p.schema))}\` | ${cell(what)} |`,
      );
    }
    lines.push("");
  }
  const body = op.requestBody?.content?.["application/json"]?.schema;
  if (body) {
    lines.push(`Body (JSON${op.requestBody?.required ? "" : ", optional"}):`, "");
    lines.push("```text", typeOf(body), "```", "");
  }
  lines.push("Answers:", "");
  for (const [status, answer] of Object.entries(op.responses)) {
    const schema = answer.content?.["application/json"]?.schema;
    const kind =
      isError(schema) && !answer.description.includes("HTML") ? " (the error shape)" : "";
    lines.push(`- **${status}** ${answer.description}${kind}`);
  }
  lines.push("");
  for (const [status, answer] of Object.entries(op.responses)) {
    const schema = answer.content?.["application/json"]?.schema;
    if (!schema || isError(schema)) continue;
    lines.push(`${status}:`, "", "```text", typeOf(schema), "```", "");
  }
  return lines;
}

/** The reference page, in Markdown. */
export function renderReference(document: Document): string {
  const lines = [
    "# HTTP API reference",
    "",
    "<!-- Generated from GET /openapi.json by `node test/support/http-api-reference.ts`: do not edit by hand. -->",
    "",
    `${document.info.title} ${document.info.version}. ${document.info.description ?? ""}`.trim(),
    "",
    "What the routes mean together (errors, keys and scopes, the conversation verbs, large event",
    "data) is in [the HTTP API](http-api.md). Every error answer has the shape",
    '`{"error": {"code", "message", …}}`.',
    "",
  ];
  const operations = Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    )
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const { path, method } of operations) {
    lines.push(`- [\`${method.toUpperCase()} ${path}\`](#${anchor(method, path)})`);
  }
  lines.push("");
  for (const { path, method, op } of operations) lines.push(...operationSection(method, path, op));
  return `${lines.join("\n").trimEnd()}\n`;
}

/** GitHub's anchor of a `## \`METHOD /path\`` heading. */
const anchor = (method: string, path: string) =>
  `${method} ${path}`
    .toLowerCase()
    .replaceAll(/[^a-z0-9 _-]/g, "")
    .replaceAll(" ", "-");

/** The page as the generator writes it: rendered, then formatted as `npm run lint` wants it. */
export function formatReference(markdown: string): string {
  return execFileSync(
    join(repoRoot, "node_modules", ".bin", "biome"),
    ["format", `--stdin-file-path=${REFERENCE_PAGE}`],
    { cwd: repoRoot, input: markdown, encoding: "utf8" },
  );
}

if (import.meta.main) {
  writeFileSync(REFERENCE_PAGE, formatReference(renderReference(await fetchOpenApiDocument())));
  console.log(`wrote ${REFERENCE_PAGE}`);
}
