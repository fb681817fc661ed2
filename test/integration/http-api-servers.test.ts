import { randomUUID } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as z from "zod";
import { buildConsole } from "../../functions/console/build.ts";
import { createHttpApi, type HttpApi, toNodeListener } from "../../functions/http/index.ts";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};

/** A DynamoThreadStore on a fresh table of DynamoDB Local. */
async function dynamoStore(): Promise<DynamoThreadStore> {
  const base = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
  const tableName = `http-api-${randomUUID()}`;
  await ensureTable(base, tableName);
  return new DynamoThreadStore({
    tableName,
    client: DynamoDBDocumentClient.from(base),
    retentionDays: 36_500,
  });
}

const listen = (server: Server): Promise<string> =>
  new Promise((done) => {
    server.listen(0, "127.0.0.1", () => {
      done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });

/** Each way of mounting the API in a server of one's own, listening on 127.0.0.1. */
const mounts: Record<string, (api: HttpApi) => Promise<{ url: string; close(): Promise<void> }>> = {
  "node:http": async (api) => {
    const listener = toNodeListener(api.fetch);
    return nodeServer((request, response) => {
      if (request.url !== "/own") return void listener(request, response);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ own: true }));
    });
  },
  express: async (api) => {
    const app = express();
    // Routes of the product's own first; the API takes what is left.
    app.get("/own", (_req, res) => {
      res.json({ own: true });
    });
    app.use(toNodeListener(api.fetch));
    return nodeServer(app);
  },
  "express behind express.json()": async (api) => {
    // A body parser that ran first: the listener passes on what it parsed.
    const app = express();
    app.use(express.json());
    app.post("/own", (request, response) => {
      response.json({ own: request.body?.own === true });
    });
    app.get("/own", (_req, res) => {
      res.json({ own: true });
    });
    app.use(toNodeListener(api.fetch));
    return nodeServer(app);
  },
  hono: async (api) => {
    const app = new Hono();
    app.get("/own", (c) => c.json({ own: true }));
    app.mount("/", api.fetch);
    return nodeServer(toNodeListener(app.fetch));
  },
  fastify: async (api) => {
    const app: FastifyInstance = Fastify();
    app.get("/own", async () => ({ own: true }));
    // Leave the body unread: the API reads (and checks) it itself.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const listener = toNodeListener(api.fetch);
    app.all("/*", (request, reply) => {
      reply.hijack();
      void listener(request.raw, reply.raw);
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, close: () => app.close() };
  },
};

async function nodeServer(listener: RequestListener) {
  const server = createServer(listener);
  const url = await listen(server);
  return {
    url,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const key = "http-api-key-0123456789";
const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };

describe("Function: createHttpApi, mounted in servers of one's own", () => {
  let console: Awaited<ReturnType<typeof buildConsole>>;
  beforeAll(() => {
    console = buildConsole();
  });

  for (const [name, mount] of Object.entries(mounts)) {
    describe(`in ${name}`, () => {
      let api: HttpApi;
      let server: { url: string; close(): Promise<void> };
      const model = new ScriptedModel([
        call("divide", { a: 6, b: 3 }),
        call("done_for_now", { message: "6 / 3 = 2" }),
      ]);
      beforeAll(async () => {
        const runner = createRunner({ agents: [calculator], model, store: await dynamoStore() });
        api = createHttpApi({ runner, apiKeys: { alice: key }, console });
        server = await mount(api);
      });
      afterAll(() => server?.close());

      it("launches, pauses for approval, takes the decision and runs to the end, in process", async () => {
        // Act: launch
        const launched = await fetch(`${server.url}/threads`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ agent: "calculator", message: "What is 6 / 3?" }),
        });
        expect(launched.status).toBe(202);
        const { threadId } = (await launched.json()) as { threadId: string };
        await api.idle();
        // Assess: the step ran in this process and paused on the approval
        const paused = await fetch(`${server.url}/threads/${threadId}`, { headers: auth });
        expect(paused.status).toBe(200);
        const thread = (await paused.json()) as {
          status: string;
          pending: { callId: string; tool: string };
        };
        expect(thread).toMatchObject({
          status: "waiting_for_approval",
          pending: { tool: "divide" },
        });
        // Act: approve
        const approved = await fetch(`${server.url}/threads/${threadId}/responses`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ callId: thread.pending.callId, approved: true }),
        });
        expect(approved.status).toBe(202);
        await api.idle();
        // Assess
        const done = await (
          await fetch(`${server.url}/threads/${threadId}`, { headers: auth })
        ).json();
        expect(done).toMatchObject({ status: "done", output: "6 / 3 = 2" });
        // The same thread, through the runner that serves the API.
        expect((await api.runner.get(threadId)).status).toBe("done");
        model.assertDone();
      });

      it("answers the contract's errors, asks for the key, and leaves the server's own routes alone", async () => {
        expect((await fetch(`${server.url}/threads`)).status).toBe(401);
        const bad = await fetch(`${server.url}/threads`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ agent: "calculator" }),
        });
        expect(bad.status).toBe(400);
        expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_body");
        const own = await fetch(`${server.url}/own`);
        expect(await own.json()).toEqual({ own: true });
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
      });

      it("serves the console page and its files", async () => {
        const page = await fetch(`${server.url}/console/threads/thr_1`);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
        const html = await page.text();
        const script = html.match(/src="(\/console\/assets\/[^"]+)"/)?.[1];
        expect(script).toBeDefined();
        const file = await fetch(`${server.url}${script}`);
        expect(file.status).toBe(200);
        expect(file.headers.get("content-type")).toMatch(/^text\/javascript/);
      });
    });
  }
});

describe("Run context through the HTTP API (DynamoDB Local, steps in process)", () => {
  const Ticket = z.object({ ticketId: z.string(), tenant: z.string() });
  const lookup = defineTool({
    name: "lookup_ticket",
    description: "Read the ticket this thread is about",
    input: z.object({}),
    kind: "sync",
    runContext: Ticket,
    run: (_args, { runContext }) => `ticket ${runContext.ticketId} of ${runContext.tenant}`,
  });
  const support = defineAgent({
    name: "support",
    runContext: Ticket,
    prompt: ({ runContext }) => `You handle ticket ${runContext.ticketId}.`,
    tools: [lookup, doneForNow],
  });
  const model = new ScriptedModel([
    call("lookup_ticket", {}),
    call("done_for_now", { message: "read it" }),
    call("lookup_ticket", {}),
    call("done_for_now", { message: "read it again" }),
  ]);
  let api: HttpApi;
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    api = createHttpApi({ agents: [support], model, store: await dynamoStore() });
    server = await nodeServer(toNodeListener(api.fetch));
  });
  afterAll(() => server?.close());

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const results = async (threadId: string) => {
    const thread = (await (await fetch(`${server.url}/threads/${threadId}`)).json()) as {
      status: string;
      events: { type: string; data: { result?: unknown } }[];
    };
    return {
      status: thread.status,
      results: thread.events.filter((e) => e.type === "tool_result").map((e) => e.data.result),
    };
  };

  it("hands the launch's metadata to the tool and the prompt, and a fork keeps it", async () => {
    const launched = await post("/threads", {
      agent: "support",
      message: "Summarise my ticket",
      metadata: { ticketId: "T-7", tenant: "acme" },
    });
    expect(launched.status).toBe(202);
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();
    expect(await results(threadId)).toEqual({ status: "done", results: ["ticket T-7 of acme"] });
    expect(model.calls[0]?.messages[0]?.content).toBe("You handle ticket T-7.");

    const forked = await post(`/threads/${threadId}/fork`, { version: 1 });
    expect(forked.status).toBe(201);
    const fork = (await forked.json()) as { threadId: string };
    await api.idle();
    expect(await results(fork.threadId)).toEqual({
      status: "done",
      results: ["ticket T-7 of acme"],
    });
    model.assertDone();
  });

  it("refuses metadata the agent's schema does not pass: 400 naming the field, nothing written", async () => {
    const before = await (await fetch(`${server.url}/threads?agent=support`)).json();
    const refused = await post("/threads", {
      agent: "support",
      message: "hi",
      metadata: { tenant: "acme" },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        code: "invalid_metadata",
        field: "metadata.ticketId",
        message: expect.stringContaining("metadata.ticketId"),
      },
    });
    expect(await (await fetch(`${server.url}/threads?agent=support`)).json()).toEqual(before);
  });
});
