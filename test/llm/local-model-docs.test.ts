import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { printedBy } from "../support/doc-snippets.ts";
import { docSnippet, promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { type ChatServer, startChatServer } from "./chat-server.ts";
import { toolCallCompletion } from "./completions.ts";

// Inside the repository, so `twelve-agents/openai` resolves to its sources.
const dir = mkdtempSync(join(repoRoot, ".readme-local-model-"));

describe("docs/model-providers.md, a local model through an OpenAI-compatible server", () => {
  let server: ChatServer;

  beforeAll(async () => {
    server = await startChatServer();
    // The sh line's OPENAI_BASE_URL, pointed at the local server instead of Ollama.
    vi.stubEnv("OPENAI_BASE_URL", server.baseURL);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("local-model.ts runs an agent on the local model to done and prints what it promises", async () => {
    // Prepare
    const snippet = docSnippet("docs/model-providers.md", "local-model.ts");
    const file = join(dir, "local-model.ts");
    writeFileSync(file, snippet.code);
    server.enqueue({
      status: 200,
      body: toolCallCompletion([["done_for_now", '{"message":"Hello!"}']]),
    });

    // Act
    const printed = await printedBy(file);

    // Assess
    expect(printed).toEqual(promisedOutput(snippet.code));
    expect(server.requests.map((request) => [request.path, request.body.model])).toEqual([
      ["/v1/chat/completions", "qwen2.5"],
    ]);
    expect(server.requests[0]?.headers.authorization).toBe("Bearer unused");
  });
});
