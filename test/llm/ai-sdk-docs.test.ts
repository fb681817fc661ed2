import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { docSnippet, promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { type AnthropicServer, startAnthropicServer, toolUseMessage } from "./anthropic-server.ts";

/**
 * docs/model-providers.md, "Any AI SDK provider": the snippet runs as written, with the
 * environment pointing `@ai-sdk/anthropic` at a local Messages API. No static import of the
 * provider here: its default `anthropic` reads ANTHROPIC_BASE_URL when the module loads.
 */
describe("docs/model-providers.md: Any AI SDK provider", () => {
  let server: AnthropicServer;
  let dir: string;

  beforeEach(async () => {
    server = await startAnthropicServer();
    dir = mkdtempSync(join(repoRoot, ".readme-ai-sdk-"));
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it("runs ai-sdk.ts: an agent with its own aiSdk(anthropic(...)) model, to done", async () => {
    // Prepare
    const { code } = docSnippet("docs/model-providers.md", "ai-sdk.ts");
    writeFileSync(join(dir, "ai-sdk.ts"), code);
    vi.stubEnv("ANTHROPIC_BASE_URL", server.baseURL);
    vi.stubEnv("ANTHROPIC_API_KEY", server.apiKey);
    server.enqueue(
      { status: 200, body: toolUseMessage([["add", { a: 2, b: 3 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "5" }]]) },
    );
    const log = vi.spyOn(console, "log").mockImplementation(() => {});

    // Act
    let printed: string[];
    try {
      await import(join(dir, "ai-sdk.ts"));
      printed = log.mock.calls.map((call) => call.map(String).join(" "));
    } finally {
      log.mockRestore();
    }

    // Assess
    expect(printed).toEqual(promisedOutput(code));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.body).toMatchObject({
      model: "claude-sonnet-5-5",
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
    });
  });
});
