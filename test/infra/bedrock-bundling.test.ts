import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundlingAliases } from "../../infra/constructs/handler-function.ts";
import { repoRoot } from "../support/repo.ts";

const SDK = "@aws-sdk/client-bedrock-runtime";

describe("Function: bundlingAliases (the Bedrock Runtime client)", () => {
  // A project that installed the deploy line's peers but not the Bedrock client.
  const project = mkdtempSync(join(tmpdir(), "twelve-no-bedrock-"));
  writeFileSync(join(project, "package.json"), '{ "name": "no-bedrock", "type": "module" }\n');
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("stands in for the client where the project has none, so the worker's graph still bundles", async () => {
    // Prepare
    const aliases = bundlingAliases(project, { callsOpenAi: true });

    // Act: the module that loads the environment's model, as the worker bundles it
    const result = await build({
      entryPoints: [join(repoRoot, "functions/compose/environment-model.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      logLevel: "silent",
      external: ["openai", "@aws-lambda-powertools/*", "@aws-sdk/client-secrets-manager"],
      alias: { [SDK]: aliases[SDK] as string },
    });

    // Assess
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).toContain("The Bedrock Runtime client is not in this function's bundle");
    expect(code).not.toContain("node_modules/@aws-sdk/client-bedrock-runtime");
  });

  it("leaves the client alone where the project has it, or where the runtime's SDK is used", () => {
    expect(bundlingAliases(repoRoot, { callsOpenAi: true })[SDK]).toBeUndefined();
    expect(
      bundlingAliases(project, { callsOpenAi: true, runtimeAwsSdk: true })[SDK],
    ).toBeUndefined();
  });
});
