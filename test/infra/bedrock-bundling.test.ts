import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import {
  bedrockClientSource,
  bundlingAliases,
  bundlingExternals,
  type HandlerFunction,
} from "../../infra/constructs/handler-function.ts";
import { TwelveRuntime } from "../../infra/twelve-runtime.ts";
import { defineAgent, doneForNow } from "../../shared/index.ts";
import { repoRoot } from "../support/repo.ts";

const SDK = "@aws-sdk/client-bedrock-runtime";

describe("Function: bundlingAliases (the Bedrock Runtime client)", () => {
  // A project that installed the deploy line's peers but not the Bedrock client.
  const project = mkdtempSync(join(tmpdir(), "twelve-no-bedrock-"));
  writeFileSync(join(project, "package.json"), '{ "name": "no-bedrock", "type": "module" }\n');
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  /** The module that loads the environment's model, bundled as a function with `choices` is. */
  const bundleEnvironmentModel = async (choices: {
    runtimeAwsSdk: boolean;
    callsBedrock: boolean;
  }) => {
    const aliases = bundlingAliases(project, { callsOpenAi: true, ...choices });
    const result = await build({
      entryPoints: [join(repoRoot, "functions/compose/environment-model.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      logLevel: "silent",
      external: [
        "openai",
        "@aws-lambda-powertools/*",
        "@aws-sdk/client-secrets-manager",
        ...bundlingExternals({
          runtimeAwsSdk: choices.runtimeAwsSdk,
          bedrockClient: bedrockClientSource(project, choices),
        }),
      ],
      ...(aliases[SDK] ? { alias: { [SDK]: aliases[SDK] } } : {}),
    });
    return result.outputFiles[0]?.text ?? "";
  };

  it("stands in for the client where the project has none and the function never calls Bedrock", async () => {
    // Act
    const code = await bundleEnvironmentModel({ runtimeAwsSdk: false, callsBedrock: false });

    // Assess
    expect(code).toContain("The Bedrock Runtime client is not in this function's bundle");
    expect(code).not.toContain("node_modules/@aws-sdk/client-bedrock-runtime");
  });

  it("takes the Lambda runtime's client where the project has none but the worker calls Bedrock", async () => {
    // Prepare
    const choices = { runtimeAwsSdk: false, callsBedrock: true };

    // Act
    const code = await bundleEnvironmentModel(choices);

    // Assess: the client is imported from the runtime (nodejs24.x has it), no stand-in
    expect(bedrockClientSource(project, choices)).toBe("runtime");
    expect(bundlingAliases(project, { callsOpenAi: true, ...choices })[SDK]).toBeUndefined();
    expect(code).not.toContain("not in this function's bundle");
    expect(code).toContain(`"${SDK}"`);
    expect(bundlingExternals({ runtimeAwsSdk: false, bedrockClient: "runtime" })).toEqual([SDK]);
  });

  it("leaves the client alone where the project has it, or where the runtime's SDK is used", () => {
    expect(bundlingAliases(repoRoot, { callsOpenAi: true })[SDK]).toBeUndefined();
    expect(bedrockClientSource(repoRoot, { runtimeAwsSdk: false, callsBedrock: true })).toBe(
      "bundled",
    );
    expect(
      bundlingAliases(project, { callsOpenAi: true, runtimeAwsSdk: true })[SDK],
    ).toBeUndefined();
    expect(bundlingExternals({ runtimeAwsSdk: true, bedrockClient: "runtime" })).toEqual([
      "@aws-sdk/*",
    ]);
  });
});

describe("Construct: TwelveRuntime (the Bedrock Runtime client of a project without it)", () => {
  const project = mkdtempSync(join(tmpdir(), "twelve-no-bedrock-app-"));
  writeFileSync(join(project, "package.json"), '{ "name": "no-bedrock-app", "type": "module" }\n');
  writeFileSync(join(project, "package-lock.json"), "{}\n");
  mkdirSync(join(project, "node_modules"));
  writeFileSync(join(project, "agents.ts"), "export const agents = [];\n");
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("lets the worker of agentModel: bedrock:<id> take the runtime's client, and stands in for it elsewhere", () => {
    // Prepare
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new Stack(app, "Shop", { env: { account: "123456789012", region: "us-east-1" } });

    // Act
    const runtime = new TwelveRuntime(stack, "Agents", {
      entry: join(project, "agents.ts"),
      agents: [defineAgent({ name: "a", prompt: "Help.", tools: [doneForNow] })],
      agentModel: "bedrock:us.amazon.nova-pro-v1:0",
    });

    // Assess: the worker's bundle imports the client; the API's has the stand-in
    const aliases = (fn: { node: { scope?: unknown } }) =>
      (fn.node.scope as HandlerFunction).aliases;
    expect(aliases(runtime.functions.worker)[SDK]).toBeUndefined();
    expect(aliases(runtime.functions.api)[SDK]).toBeDefined();
  });
});
