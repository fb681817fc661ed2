import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/repo.ts";

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Template = { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };

/** The ```ts block named `file` on `page` (a docs page), as a product would copy it. */
function docSnippet(page: string, file: string): string {
  const text = readFileSync(join(repoRoot, page), "utf8");
  const found = [...text.matchAll(/```ts(?: ([\w.-]+))?\n([\s\S]*?)```/g)].find(
    (match) => match[1] === file,
  );
  if (!found?.[2]) throw new Error(`${page} has no \`\`\`ts ${file} block`);
  return found[2];
}

let dir: string;

beforeAll(() => {
  // Inside the repository (git-ignored), so `twelve-agents/cdk` resolves to the package itself.
  dir = mkdtempSync(join(repoRoot, ".readme-construct-"));
  writeFileSync(join(dir, "agents.ts"), 'export { agents } from "../shared/examples/agents.ts";\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the snippet with Node, as `node app.ts` would, without bundling; returns the Shop stack. */
function synthesize(file: string, code: string): Template {
  writeFileSync(join(dir, file), code);
  const outdir = join(dir, `${file}.out`);
  execFileSync(process.execPath, ["--conditions=twelve-source", file], {
    cwd: dir,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:bundling-stacks": [] }),
    },
    stdio: "pipe",
  });
  return JSON.parse(readFileSync(join(outdir, "Shop.template.json"), "utf8")) as Template;
}

const functions = (template: Template) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::Lambda::Function");

const runtimeFunction = (template: Template, handler: string): Resource => {
  const found = functions(template).find(
    ([, fn]) =>
      (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME === `twelve-${handler}`,
  );
  if (!found) throw new Error(`no ${handler} function`);
  return found[1];
};

describe("docs/construct.md", () => {
  it("vpc.ts: puts the worker alone in the VPC, with its settings, the API with less memory", () => {
    const template = synthesize("vpc.ts", docSnippet("docs/construct.md", "vpc.ts"));
    const worker = runtimeFunction(template, "worker");
    expect(worker.Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: 600,
      ReservedConcurrentExecutions: 20,
      VpcConfig: {
        SecurityGroupIds: [{ "Fn::GetAtt": [expect.stringMatching(/^AgentTools/), "GroupId"] }],
      },
    });
    expect(runtimeFunction(template, "api").Properties.MemorySize).toBe(256);
    expect(runtimeFunction(template, "api").Properties.VpcConfig).toBeUndefined();
    expect(Object.keys(template.Outputs ?? {}).sort()).toEqual([
      "ApiKeySecretArn",
      "OpenAiKeySecretArn",
    ]);
  }, 120_000);

  it("bedrock.ts: grants the worker the inference profile and its model, and makes no OpenAI secret", () => {
    const template = synthesize("bedrock.ts", docSnippet("docs/construct.md", "bedrock.ts"));
    const model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    const profile = `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${model}`;
    const statements = Object.values(template.Resources)
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .flatMap(
        (r) => (r.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
      )
      .filter((statement) => JSON.stringify(statement.Action).includes("bedrock:"));
    // The partition is the deployment's: `arn:<AWS::Partition>:…`, read here as `aws`.
    const text = JSON.stringify(statements).replace(
      /"arn:",\{"Ref":"AWS::Partition"\},"/g,
      '"arn:aws',
    );
    // The eu. geography's destination Regions, each named: no wildcard.
    expect(text).toContain(`arn:aws:bedrock:eu-central-1::foundation-model/${model}`);
    expect(text).toContain(`arn:aws:bedrock:eu-west-1::foundation-model/${model}`);
    expect(text).not.toContain("*");
    expect(text).toContain(profile.slice("arn:aws".length));
    expect(statements).toHaveLength(2);
    expect(Object.keys(template.Outputs ?? {})).toEqual(["ApiKeySecretArn"]);
  }, 120_000);

  it("domain.ts: maps the API to the domain and points an alias record at it", () => {
    const template = synthesize("domain.ts", docSnippet("docs/construct.md", "domain.ts"));
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining([
        "AWS::ApiGatewayV2::DomainName",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::Route53::RecordSet",
      ]),
    );
    const record = Object.values(template.Resources).find(
      (r) => r.Type === "AWS::Route53::RecordSet",
    );
    expect(record?.Properties).toMatchObject({ Name: "agents.shop.example.com.", Type: "A" });
    const publicUrl = (
      runtimeFunction(template, "worker").Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables.PUBLIC_URL;
    expect(JSON.stringify(publicUrl)).toMatch(/"https:\/\/",\{"Ref":"AgentsApiDomain/);
  }, 120_000);

  it("own-mapping.ts: maps the runtime's HTTP API and stage to a domain of the product's", () => {
    const template = synthesize(
      "own-mapping.ts",
      docSnippet("docs/construct.md", "own-mapping.ts"),
    );
    const mapping = Object.values(template.Resources).find(
      (r) => r.Type === "AWS::ApiGatewayV2::ApiMapping",
    );
    expect(mapping?.Properties).toMatchObject({
      ApiId: { Ref: expect.stringMatching(/^AgentsApiHttpApi/) },
      DomainName: { Ref: expect.stringMatching(/^ApiDomain/) },
      Stage: "$default",
    });
    // Made after the stage, which CloudFormation must have deployed first.
    expect(mapping?.DependsOn).toEqual([expect.stringMatching(/^AgentsApiDefaultStage/)]);
  }, 120_000);
});
