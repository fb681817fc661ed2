import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { printedBy } from "../support/doc-snippets.ts";
import { docSnippet, promisedOutput, type Snippet } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { type ConverseServer, startConverseServer, toolUseAnswer } from "./converse-server.ts";

// Inside the repository, so `twelve-agents/bedrock` resolves to its sources.
const dir = mkdtempSync(join(repoRoot, ".readme-bedrock-"));

/** Runs a snippet and returns what it printed. */
async function run(name: string, snippet: Snippet): Promise<string[]> {
  const file = join(dir, name);
  writeFileSync(file, snippet.code);
  return printedBy(file);
}

describe("docs/model-providers.md, Amazon Bedrock", () => {
  let server: ConverseServer;

  beforeAll(async () => {
    server = await startConverseServer();
    // The SDK's default chain, as on a developer's machine, pointed at the local server.
    vi.stubEnv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.endpoint);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("bedrock.ts runs an agent on Bedrock to done and prints what it promises", async () => {
    // Prepare
    const snippet = docSnippet("docs/model-providers.md", "bedrock.ts");
    server.enqueue(
      toolUseAnswer([["lookup_order", { orderId: "A-1" }]]),
      toolUseAnswer([["done_for_now", { message: "A-1 has shipped." }]]),
    );

    // Act
    const printed = await run("bedrock.ts", snippet);

    // Assess
    expect(printed).toEqual(promisedOutput(snippet.code));
    expect(server.requests.map((request) => request.modelId)).toEqual([
      "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ]);
  });

  it("bedrock-options.ts prints what it promises", async () => {
    const snippet = docSnippet("docs/model-providers.md", "bedrock-options.ts");
    expect(await run("bedrock-options.ts", snippet)).toEqual(promisedOutput(snippet.code));
  });
});
