import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpApi, toNodeListener } from "../../functions/http/index.ts";
import { writeDocSnippets } from "../support/doc-snippets.ts";
import { repoRoot } from "../support/repo.ts";

const page = writeDocSnippets("your-own-server.md");
const key = "doc-server-key-0123456789";
const servers: { close(): Promise<void> | void }[] = [];

const listening = (server: Server): Promise<string> =>
  new Promise((done) => {
    const ready = () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (server.listening) ready();
    else server.listen(0, "127.0.0.1", ready);
  });

const nodeUrl = async (server: Server) => {
  servers.push({ close: () => new Promise<void>((done) => server.close(() => done())) });
  return listening(server);
};

/** How the test starts each page's server on a free port (the page's own files listen on 3000). */
const starts: Record<string, (module: Record<string, unknown>) => Promise<string>> = {
  "server.ts": async ({ server }) => nodeUrl(server as Server),
  "express-server.ts": async ({ app }) =>
    nodeUrl(createServer(app as Parameters<typeof createServer>[1])),
  "hono-server.ts": async ({ app }) => nodeUrl(createServer(toNodeListener((app as Hono).fetch))),
  "fastify-server.ts": async ({ app }) => {
    const fastify = app as FastifyInstance;
    servers.push({ close: () => fastify.close() });
    return fastify.listen({ port: 0, host: "127.0.0.1" });
  },
};

describe("docs/your-own-server.md", () => {
  let api: HttpApi;
  beforeAll(async () => {
    process.env.TWELVE_API_KEY = key;
    ({ api } = (await import(join(page.dir, "api.ts"))) as { api: HttpApi });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    delete process.env.TWELVE_API_KEY;
    page.remove();
  });

  it("has the snippets this test runs", () => {
    expect(page.snippets.map((snippet) => snippet.file)).toEqual([
      "api.ts",
      ...Object.keys(starts),
    ]);
  });

  it.each(Object.keys(starts))("%s serves the API, the console and its own route", async (file) => {
    const url = await (starts[file] as (m: Record<string, unknown>) => Promise<string>)(
      await import(join(page.dir, file)),
    );
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const launched = await fetch(`${url}/threads`, {
      method: "POST",
      headers,
      body: JSON.stringify({ agent: "greeter", message: "Hi" }),
    });
    expect(launched.status).toBe(202);
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();
    const thread = await (await fetch(`${url}/threads/${threadId}`, { headers })).json();
    expect(thread).toMatchObject({ status: "done", output: "Hello!" });
    expect((await fetch(`${url}/threads/${threadId}`)).status).toBe(401);
    const console = await fetch(`${url}/console`);
    expect(console.status).toBe(200);
    expect(await console.text()).toContain("Twelve console");
    expect(await (await fetch(`${url}/hello`)).text()).toBe(
      file === "server.ts"
        ? '{"error":{"code":"route_not_found","message":"no route for GET /hello"}}'
        : "my own route",
    );
  });

  it("passes the project's own lint and format", () => {
    const biome = join(repoRoot, "node_modules", ".bin", "biome");
    const files = page.snippets.map((snippet) => join(page.dir, snippet.file));
    expect(() =>
      execFileSync(biome, ["check", "--vcs-use-ignore-file=false", ...files], {
        cwd: repoRoot,
        stdio: "pipe",
      }),
    ).not.toThrow();
  });
});
