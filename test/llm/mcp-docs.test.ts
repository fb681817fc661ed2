import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Agent, createRunner } from "twelve-agents";
import { IDEMPOTENCY_META_KEY, type McpServerSource } from "twelve-agents/mcp";
import { call, ScriptedModel } from "twelve-agents/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { docSnippet } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { FakeMcpServer } from "./mcp-server.ts";

const snippets = [
  docSnippet("docs/mcp.md", "mcp-agents.ts"),
  docSnippet("docs/mcp.md", "mcp-stdio.ts"),
];
const dir = mkdtempSync(join(repoRoot, ".readme-mcp-client-"));
for (const snippet of snippets) writeFileSync(join(dir, snippet.file ?? ""), snippet.code);

const server = new FakeMcpServer({
  bearer: "crm-token",
  tools: [
    {
      name: "find_contact",
      input: z.object({ email: z.string() }),
      annotations: { readOnlyHint: true },
      run: ({ email }) => ({ structured: { id: "ct_1", email } }),
    },
    {
      name: "delete_contact",
      input: z.object({ id: z.string() }),
      annotations: { destructiveHint: true },
      run: ({ id }) => `deleted ${String(id)}`,
    },
    { name: "export_everything", input: z.object({}), run: () => "all of it" },
  ],
});
let sources: McpServerSource[] = [];

beforeAll(async () => {
  await server.start();
  vi.stubEnv("CRM_MCP_URL", server.url);
  vi.stubEnv("CRM_TOKEN", "crm-token");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(sources.map((source) => source.close()));
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("docs/mcp.md, tools from MCP servers", () => {
  it("runs mcp-agents.ts: its agent finds, asks before deleting, and deletes with the key", async () => {
    // Prepare
    const { agents } = (await import(join(dir, "mcp-agents.ts"))) as { agents: Agent[] };
    sources = agents.flatMap((agent) => agent.mcp as McpServerSource[]);
    expect(server.lists).toBe(0); // importing contacted nobody
    const model = new ScriptedModel([
      call("crm_find_contact", { email: "ada@example.com" }),
      call("crm_delete_contact", { id: "ct_1" }),
      call("done_for_now", { message: "deleted ct_1" }),
    ]);
    const runner = createRunner({ agents, model });

    // Act
    const waiting = await runner.launch("support", "Delete ada@example.com");
    const done = await runner.respond(waiting.threadId, {
      callId: waiting.pending?.callId ?? "",
      approved: true,
    });

    // Assess
    expect(waiting.status).toBe("waiting_for_approval");
    expect(waiting.pending?.tool).toBe("crm_delete_contact");
    expect(done.status).toBe("done");
    expect(model.calls[0]?.tools.map((tool) => tool.name).sort()).toEqual([
      "crm_delete_contact",
      "crm_find_contact",
      "done_for_now",
    ]);
    expect(server.calls.map((c) => [c.tool, c.meta[IDEMPOTENCY_META_KEY]])).toEqual([
      ["find_contact", `${done.threadId}:call_2`],
      ["delete_contact", `${done.threadId}:call_4`],
    ]);
    expect(new Set(server.authorizations)).toEqual(new Set(["Bearer crm-token"]));
  });

  it("runs mcp-stdio.ts: a stdio server, its command kept for the first step that lists it", async () => {
    const { files } = (await import(join(dir, "mcp-stdio.ts"))) as { files: McpServerSource };
    expect(files.name).toBe("files");
    expect(files.options).toMatchObject({ command: "npx" });
  });
});
