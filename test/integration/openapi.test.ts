import { createConfig, lintFromString } from "@redocly/openapi-core";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../functions/api/openapi.ts";
import { routes } from "../../functions/api/routes.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack } from "./local-stack.ts";

const KEY = "openapi-key-0123456789abcdef";
let stack: LocalStack;
let api: ReturnType<typeof client>;
// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document, walked by path
let document: any;

beforeAll(async () => {
  stack = await startTestStack({ apiKey: KEY });
  api = client(stack, KEY);
  const response = await api.request("GET", "/openapi.json");
  expect(response.status).toBe(200);
  document = response.body;
});
afterAll(async () => {
  await stack?.stop();
});

/** A validator for what `method path` answers with `status`, from the document itself. */
function answerSchema(method: string, path: string, status: number) {
  const schema =
    document.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.[
      "application/json"
    ]?.schema;
  expect(schema, `${method} ${path} ${status} has a schema`).toBeDefined();
  return new Ajv2020({ strict: false, allErrors: true }).compile(schema);
}

function expectValid(method: string, path: string, status: number, body: unknown) {
  const validate = answerSchema(method, path, status);
  const valid = validate(body);
  expect(valid, JSON.stringify(validate.errors)).toBe(true);
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document of every route of the route table", () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort(),
    );
    for (const route of routes) {
      // Every route declares its docs: request schemas and answers.
      expect(route.docs, `${route.method} ${route.path} declares docs`).toBeDefined();
      const operation = document.paths[openApiPath(route.path)][route.method.toLowerCase()];
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      expect(operation.security).toEqual(route.auth ? [{ bearer: [] }] : []);
    }
  });

  it("is itself valid JSON Schema where it holds schemas", () => {
    const ajv = new Ajv2020({ strict: false });
    for (const item of Object.values(document.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: walking the parsed document
      for (const operation of Object.values(item as Record<string, any>)) {
        const schemas = [
          operation.requestBody?.content?.["application/json"]?.schema,
          ...(operation.parameters ?? []).map((p: { schema: unknown }) => p.schema),
          ...Object.values(operation.responses).map(
            // biome-ignore lint/suspicious/noExplicitAny: walking the parsed document
            (r: any) => r.content?.["application/json"]?.schema,
          ),
        ].filter(Boolean);
        for (const schema of schemas) expect(() => ajv.compile(schema)).not.toThrow();
      }
    }
  });

  it("passes Redocly's linter (its recommended rules) without a problem", async () => {
    const config = await createConfig({
      extends: ["recommended"],
      // `/health` (GET and HEAD) answers 200 and nothing else: it has no 4xx to document.
      rules: { "operation-4xx-response": "off" },
    });
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: "openapi.json",
      config,
    });
    const found = problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`,
    );
    expect(found).toEqual([]);
  });

  it("says what a generated client needs: servers, integer query numbers, per-format webhook headers", () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: "/" })]);
    const query = (path: string) =>
      Object.fromEntries(
        document.paths[path].get.parameters
          .filter((p: { in: string }) => p.in === "query")
          .map((p: { name: string; schema: unknown }) => [p.name, p.schema]),
      );
    expect(query("/threads/{id}/events")).toMatchObject({
      after: { type: "integer", minimum: 0, default: 0 },
      limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
    });
    expect(query("/threads").limit).toEqual({
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: 50,
    });
    const hookHeaders = document.paths["/hooks/{source}"].post.parameters.filter(
      (p: { in: string }) => p.in === "header",
    );
    expect(hookHeaders.map((h: { name: string }) => h.name)).toEqual(
      expect.arrayContaining([
        "X-Twelve-Signature",
        "X-Hub-Signature-256",
        "Stripe-Signature",
        "webhook-signature",
      ]),
    );
    for (const header of hookHeaders) {
      expect(header.required, header.name).toBe(false);
      expect(header.description, header.name).toEqual(expect.any(String));
    }
    for (const path of ["responses", "messages", "cancel", "fork"]) {
      expect(document.paths[`/threads/{id}/${path}`].post.responses, path).toHaveProperty("413");
    }
    expect(document.paths["/hooks/{source}"].post.responses).toHaveProperty("413");
  });

  it("documents every 4xx a route answers to hostile requests", async () => {
    const anonymous = client(stack);
    const oversize = JSON.stringify({ message: "x".repeat(70_000) });
    const bodies = ["{", '{"a": 1, "a": 2}', '{"n": 1e999}', "[]", oversize];
    const undocumented: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/\{[^}]+\}/g, "thr_nope");
      const tries: [ReturnType<typeof client>, string, unknown][] = [
        [anonymous, path, undefined],
        [api, path, undefined],
        [api, `${path}?zzz=1`, undefined],
        [api, path.replace("thr_nope", "x%00y"), undefined],
        ...(route.method === "POST"
          ? bodies.map((body): [ReturnType<typeof client>, string, unknown] => [api, path, body])
          : []),
      ];
      const operation = document.paths[openApiPath(route.path)][route.method.toLowerCase()];
      for (const [caller, target, body] of tries) {
        const response = await fetch(`${stack.url}${target}`, {
          method: route.method,
          headers: caller === api ? { authorization: `Bearer ${KEY}` } : {},
          ...(body === undefined ? {} : { body: body as string }),
        });
        await response.arrayBuffer();
        if (response.status >= 400 && !(String(response.status) in operation.responses)) {
          undocumented.push(`${route.method} ${target}: ${response.status}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it("needs the bearer token like the data routes", async () => {
    expect((await client(stack).request("GET", "/openapi.json")).status).toBe(401);
  });

  it("describes the real answers: launch, read, list, respond, and errors", async () => {
    const launched = await api.launch("calculator", "10 / 5");
    expect(launched.status).toBe(202);
    expectValid("POST", "/threads", 202, launched.body);

    const thread = await api.waitFor(launched.body.threadId, "waiting_for_approval");
    const read = await api.get(thread.threadId);
    expect(read.status).toBe(200);
    expectValid("GET", "/threads/{id}", 200, read.body);

    const list = await api.request("GET", "/threads?status=waiting_for_approval&limit=1");
    expect(list.status).toBe(200);
    expectValid("GET", "/threads", 200, list.body);

    const context = await api.request("GET", `/threads/${thread.threadId}/context`);
    expect(context.status).toBe(200);
    expectValid("GET", "/threads/{id}/context", 200, context.body);

    const answered = await api.respond(thread.threadId, {
      callId: thread.pending?.callId,
      approved: true,
    });
    expect(answered.status).toBe(202);
    expectValid("POST", "/threads/{id}/responses", 202, answered.body);

    const health = await api.request("GET", "/health");
    expectValid("GET", "/health", 200, health.body);

    const errors: [string, string, string, unknown, number][] = [
      ["POST", "/threads", "/threads", { agent: "calculator" }, 400],
      ["POST", "/threads", "/threads", { agent: "nope", message: "hi" }, 404],
      ["GET", "/threads", "/threads?status=sleeping", undefined, 400],
      ["GET", "/threads/{id}", "/threads/thr_nope", undefined, 404],
      [
        "POST",
        "/threads/{id}/responses",
        `/threads/${thread.threadId}/responses`,
        { callId: "call_999", approved: true },
        409,
      ],
    ];
    for (const [method, template, path, body, status] of errors) {
      const response = await api.request(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(status);
      expectValid(method, template, status, response.body);
    }
    const anonymous = await client(stack).launch("calculator", "1 + 1");
    expect(anonymous.status).toBe(401);
    expectValid("POST", "/threads", 401, anonymous.body);
  });
});
