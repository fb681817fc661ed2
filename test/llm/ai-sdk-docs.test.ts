import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { docSnippet, promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { type AnthropicServer, startAnthropicServer, toolUseMessage } from "./anthropic-server.ts";

const execFileAsync = promisify(execFile);

/**
 * docs/model-providers.md, "Any AI SDK provider": the snippet runs as written, with the
 * environment pointing `@ai-sdk/anthropic` at a local Messages API. In a process of its own, as a
 * user runs it: the provider's default `anthropic` reads ANTHROPIC_BASE_URL when its module
 * loads, and in this test worker another file may have loaded it already.
 */
describe("docs/model-providers.md: Any AI SDK provider", () => {
  let server: AnthropicServer;
  let dir: string;

  beforeEach(async () => {
    server = await startAnthropicServer();
    dir = mkdtempSync(join(repoRoot, ".readme-ai-sdk-"));
  });

  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it("runs ai-sdk.ts: an agent with its own aiSdk(anthropic(...)) model, to done", async () => {
    // Prepare
    const { code } = docSnippet("docs/model-providers.md", "ai-sdk.ts");
    writeFileSync(join(dir, "ai-sdk.ts"), code);
    server.enqueue(
      { status: 200, body: toolUseMessage([["add", { a: 2, b: 3 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "5" }]]) },
    );

    // Act
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--conditions=twelve-source", join(dir, "ai-sdk.ts")],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          ANTHROPIC_BASE_URL: server.baseURL,
          ANTHROPIC_API_KEY: server.apiKey,
        },
        timeout: 60_000,
      },
    );
    const printed = stdout.trimEnd().split("\n");

    // Assess
    expect(printed).toEqual(promisedOutput(code));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.body).toMatchObject({
      model: "claude-sonnet-5-5",
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
    });
  });
});
