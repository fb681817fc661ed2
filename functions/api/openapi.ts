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

/**
 * What the document says of a schema whose JSON Schema zod cannot derive: a query integer is a
 * string on the wire that zod checks digit by digit, but a client sends it as an integer with
 * bounds (`queryInteger` in schemas.ts).
 */
export const documentedAs = z.registry<JsonSchema>();

/** The JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of what a client sends or receives. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema: derived }) => {
      const def = zodSchema._zod.def;
      // A default of a documented schema: zod leaves it out of an input schema (it is an output
      // value), but it is what the client's omission means.
      const inner = def.type === "default" ? documentedAs.get(def.innerType) : undefined;
      const documented = documentedAs.get(zodSchema) ?? inner;
      if (!documented) return;
      // A wrapper's `description` lands on the same object: keep it.
      for (const key of Object.keys(derived)) {
        if (key !== "default" && key !== "description") delete derived[key];
      }
      Object.assign(
        derived,
        documented,
        def.type === "default" ? { default: def.defaultValue } : {},
      );
    },
  }) as JsonSchema;
  return rest;
}

/**
 * The OpenAPI path of a route: API Gateway's greedy `{name+}` (the rest of the path, slashes
 * included) is not an OpenAPI template, so it is shown as `{name}`.
 */
export const openApiPath = (path: string): string => path.replace(/\{([^}+]+)\+\}/g, "{$1}");

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
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      license: { name: "MIT", identifier: "MIT" },
      description:
        "A 12-factor agent runtime: launch a thread, read it, answer the call it waits on. " +
        'Errors are `{"error": {"code", "message", ...}}` with a 4xx, or a 501 for a route this deployment does not serve by its configuration (`mcp_not_installed`).',
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    // Relative: the API's root is where this document is served (the local stack, an API
    // Gateway URL, a custom domain), so one document holds for every deployment.
    servers: [{ url: "/", description: "the API's root: where this document is served from" }],
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
  for (const [status, answer] of Object.entries(answersOf(route))) {
    const body = answer.body ?? (Number(status) >= 400 ? errorAnswer : undefined);
    const content =
      body && route.method !== "HEAD"
        ? { content: { "application/json": { schema: jsonSchema(body, "output") } } }
        : {};
    responses[status] = { description: answer.description, ...content };
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

/**
 * The answers a route declares, and those every route of its kind can give whether it declares
 * them or not: a route that reads a body (every POST) answers 400 (not UTF-8; for a JSON body,
 * not JSON, a duplicate key or off-schema) and 413 (over `MAX_BODY_BYTES`); one behind the key
 * answers 401.
 */
export function answersOf(route: DocumentedRoute): Record<number, ResponseDoc> {
  const answers: Record<number, ResponseDoc> = { ...route.docs?.responses };
  if (route.docs?.body) {
    answers[400] ??= { description: "invalid body: not JSON, a duplicate key, or off-schema" };
  }
  if (route.docs?.body || route.method === "POST") {
    answers[400] ??= { description: "invalid body: not UTF-8, or not the expected shape" };
    answers[413] ??= { description: "body over MAX_BODY_BYTES" };
  }
  if (route.auth) answers[401] ??= { description: "no bearer token, or the wrong one" };
  return answers;
}

/** `get_threads_id_events`: stable and unique, from the method and path. */
const operationId = (route: DocumentedRoute): string =>
  [route.method.toLowerCase(), ...route.path.split(/[^A-Za-z0-9]+/).filter(Boolean)].join("_");

function pathParameters(route: DocumentedRoute): unknown[] {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  return names.map((name) => {
    const greedy = name.endsWith("+");
    const plain = greedy ? name.slice(0, -1) : name;
    return {
      name: plain,
      in: "path",
      required: true,
      ...(greedy ? { description: "the rest of the path, slashes included" } : {}),
      schema: jsonSchema(route.docs?.params?.[plain] ?? z.string(), "input"),
    };
  });
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
