import * as z from "zod";
import { errorAnswer } from "./responses.ts";

/** One answer a route may give: a description and, for a JSON answer, its body. */
export interface ResponseDoc {
  description: string;
  body?: z.ZodType;
}

/**
 * What the OpenAPI document says of a route: its request schemas (the very ones that validate
 * requests, so the two cannot drift) and its answers by status. A 4xx without a body schema
 * answers with the error shape.
 */
export interface RouteDocs {
  summary: string;
  body?: z.ZodType;
  /** Whether the body may be left out (default: a route with a body schema needs one). */
  bodyOptional?: boolean;
  /** The query string, an object schema: each key is one parameter. */
  query?: z.ZodType;
  /** Path parameters by name; a `{name}` of the path without a schema is a string. */
  params?: Record<string, z.ZodType>;
  /** Request headers by name (as documented, e.g. `Idempotency-Key`). */
  headers?: Record<string, { schema: z.ZodType; required?: boolean; description?: string }>;
  responses: Record<number, ResponseDoc>;
}

/** The part of a route the document needs (see `routes.ts`). */
export interface DocumentedRoute {
  method: string;
  path: string;
  auth: boolean;
  openAtGateway?: { reason: string };
  docs?: RouteDocs;
}

type JsonSchema = Record<string, unknown>;

/** The JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of what a client sends or receives. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/**
 * The OpenAPI 3.1 document of `routes`, built from their `docs`: request bodies, query, path and
 * header parameters from the request schemas, answers from the response schemas.
 *
 * @example
 * const document = openApiDocument(routes, { title: "Twelve", version: "1.0.0" });
 */
export function openApiDocument(
  routes: readonly DocumentedRoute[],
  info: { title: string; version: string },
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      description:
        "A 12-factor agent runtime: launch a thread, read it, answer the call it waits on. " +
        'Errors are `{"error": {"code", "message", ...}}` with a 4xx.',
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "`Authorization: Bearer <key>`: a key of `AGENT_API_KEYS` or `AGENT_API_KEY`, or a JWT when deployed with `jwt` (the scheme in any case)",
        },
      },
    },
    paths,
  };
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const docs = route.docs;
  const parameters = [
    ...pathParameters(route),
    ...queryParameters(docs),
    ...headerParameters(docs),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(docs?.responses ?? {})) {
    const body = answer.body ?? (Number(status) >= 400 ? errorAnswer : undefined);
    const content =
      body && route.method !== "HEAD"
        ? { content: { "application/json": { schema: jsonSchema(body, "output") } } }
        : {};
    responses[status] = { description: answer.description, ...content };
  }
  if (route.auth && !docs?.responses[401]) {
    responses[401] = {
      description: "no bearer token, or the wrong one",
      content: { "application/json": { schema: jsonSchema(errorAnswer, "output") } },
    };
  }
  return {
    operationId: operationId(route),
    summary: docs?.summary ?? `${route.method} ${route.path}`,
    ...(route.auth ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(docs?.body
      ? {
          requestBody: {
            required: !docs.bodyOptional,
            content: { "application/json": { schema: jsonSchema(docs.body, "input") } },
          },
        }
      : {}),
    responses: Object.keys(responses).length ? responses : { default: { description: "" } },
  };
}

/** `get_threads_id_events`: stable and unique, from the method and path. */
const operationId = (route: DocumentedRoute): string =>
  [route.method.toLowerCase(), ...route.path.split(/[^A-Za-z0-9]+/).filter(Boolean)].join("_");

function pathParameters(route: DocumentedRoute): unknown[] {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  return names.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchema(route.docs?.params?.[name] ?? z.string(), "input"),
  }));
}

function queryParameters(docs: RouteDocs | undefined): unknown[] {
  if (!docs?.query) return [];
  const object = jsonSchema(docs.query, "input");
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema,
  }));
}

function headerParameters(docs: RouteDocs | undefined): unknown[] {
  return Object.entries(docs?.headers ?? {}).map(([name, header]) => ({
    name,
    in: "header",
    required: header.required ?? false,
    ...(header.description ? { description: header.description } : {}),
    schema: jsonSchema(header.schema, "input"),
  }));
}
