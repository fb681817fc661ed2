import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiHandler } from "../../functions/api/app.ts";
import { HTTP_ERRORS } from "../../functions/api/http.ts";
import type { McpSdkLoader } from "../../functions/api/mcp/route.ts";
import { openApiDocument } from "../../functions/api/openapi.ts";
import { routes } from "../../functions/api/routes.ts";
import { MCP_SERVER_LEFT_OUT } from "../../infra/constructs/handler-function.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";

type McpServerSdk = typeof import("@modelcontextprotocol/server");

/**
 * A project without the MCP server SDK: a package of its own `node_modules` (which vitest leaves
 * to Node to load, untransformed), in a folder with no SDK above it, whose
 * `import("@modelcontextprotocol/server")` fails in Node as it does in such a project.
 */
let project: string;
let withoutSdk: McpSdkLoader;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "twelve-no-mcp-"));
  const gate = join(project, "node_modules", "gate", "index.mjs");
  mkdirSync(dirname(gate), { recursive: true });
  writeFileSync(gate, 'export const load = () => import("@modelcontextprotocol/server");\n');
  const { load } = (await import(/* @vite-ignore */ pathToFileURL(gate).href)) as {
    load: () => Promise<McpServerSdk>;
  };
  withoutSdk = { load, from: gate };
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

const logged = () => ({ error: vi.fn(), warn: vi.fn() });

/** An MCP `tools/list` request, as a client sends it to the API. */
const mcpRequest = (body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}') =>
  ({
    version: "2.0",
    rawPath: "/mcp",
    rawQueryString: "",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    requestContext: { http: { method: "POST", path: "/mcp" } },
    body,
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

const deps = { store: new MemoryThreadStore(), agents: new Map() } as unknown as RuntimeDeps;

describe("POST /mcp without @modelcontextprotocol/server", () => {
  it("answers 501 mcp_not_installed naming the install, and logs no failure", async () => {
    // Prepare
    const logger = logged();
    const api = createApiHandler(deps, {
      maxBodyBytes: 65_536,
      logger: logger as unknown as Logger,
      mcpSdk: withoutSdk,
    });

    // Act
    const answers = [await api(mcpRequest()), await api(mcpRequest("{not json"))];

    // Assess: the endpoint is not served, whatever the body; and again on the next request
    for (const answer of answers) {
      expect(answer.statusCode).toBe(501);
      expect(answer.headers?.["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body ?? "")).toEqual({
        error: {
          code: "mcp_not_installed",
          message:
            "the MCP endpoint needs its optional peer dependencies: npm install @modelcontextprotocol/server",
        },
      });
    }
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("answers any other failure to load it as a failure of ours (500, logged)", async () => {
    // Prepare: the module is not found, though every peer is installed where the package is
    const logger = logged();
    const broken: McpSdkLoader = {
      load: withoutSdk.load,
      from: join(process.cwd(), "functions", "api", "mcp", "route.ts"),
    };
    const api = createApiHandler(deps, {
      maxBodyBytes: 65_536,
      logger: logger as unknown as Logger,
      mcpSdk: broken,
    });

    // Act
    const answer = await api(mcpRequest());

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body ?? "")).toMatchObject({ error: { code: "internal" } });
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it("answers 501 naming mcpEndpoint: false when the bundle left the SDK out (TwelveRuntime's stand-in module)", async () => {
    // Prepare: the module an API bundle built with mcpEndpoint: false has in the SDK's place
    const standIn = join(project, "mcp-server-left-out.cjs");
    writeFileSync(standIn, MCP_SERVER_LEFT_OUT);
    const logger = logged();
    const api = createApiHandler(deps, {
      maxBodyBytes: 65_536,
      logger: logger as unknown as Logger,
      mcpSdk: {
        load: () => import(/* @vite-ignore */ pathToFileURL(standIn).href) as Promise<McpServerSdk>,
      },
    });

    // Act
    const answer = await api(mcpRequest());

    // Assess
    expect(answer.statusCode).toBe(501);
    expect(JSON.parse(answer.body ?? "")).toMatchObject({
      error: { code: "mcp_not_installed", message: expect.stringContaining("mcpEndpoint: false") },
    });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("is in the error table and in the OpenAPI document's answers of /mcp", () => {
    expect(HTTP_ERRORS.mcp_not_installed.status).toBe(501);
    const document = openApiDocument(routes, { title: "t", version: "1" }) as {
      paths: Record<string, { post?: { responses: Record<string, { description: string }> } }>;
    };
    expect(document.paths["/mcp"]?.post?.responses["501"]?.description).toMatch(
      /npm install @modelcontextprotocol\/server/,
    );
  });
});
