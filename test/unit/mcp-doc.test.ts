import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createHttpApi, toNodeListener } from "../../functions/http/index.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { docSnippet, promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";

const KEY = "mcp-doc-key-0123456789";
const dir = mkdtempSync(join(repoRoot, ".readme-mcp-"));
let server: Server | undefined;

afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("docs/mcp.md, your agents as MCP tools", () => {
  it("mcp-client.ts lists, launches, approves and reads to done what its comments promise", async () => {
    // Prepare: the examples' agents and demo model, as `twelve dev` serves them, on a free port
    const api = createHttpApi({ agents, model: new DemoModel(), apiKey: KEY });
    server = createServer(toNodeListener(api.fetch));
    const listening = server;
    await new Promise<void>((done) => listening.listen(0, "127.0.0.1", done));
    vi.stubEnv("TWELVE_URL", `http://127.0.0.1:${(listening.address() as AddressInfo).port}`);
    vi.stubEnv("TWELVE_API_KEY", KEY);
    const snippet = docSnippet("docs/mcp.md", "mcp-client.ts");
    writeFileSync(join(dir, "mcp-client.ts"), snippet.code);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});

    // Act
    try {
      await import(join(dir, "mcp-client.ts"));

      // Assess
      expect(log.mock.calls.map((call) => call.map(String).join(" "))).toEqual(
        promisedOutput(snippet.code),
      );
    } finally {
      log.mockRestore();
    }
    await api.idle();
  });
});
