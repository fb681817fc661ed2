import { App, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { PROFILE_DESTINATIONS } from "../../infra/constructs/bedrock-profile-regions.ts";
import { bedrockTarget } from "../../infra/constructs/bedrock-targets.ts";
import { workerModels } from "../../infra/constructs/worker-models.ts";
import { TwelveRuntime, type TwelveRuntimeProps } from "../../infra/twelve-runtime.ts";
import { exampleAgentsEntry } from "../../infra/twelve-stack.ts";
import { type Agent, agentTool, defineAgent, doneForNow, type Model } from "../../shared/index.ts";
import { environmentOf, functionOf, resourcesOf } from "./synth.ts";

/** A model as an adapter makes it, by its identity alone (the adapters are not under test). */
const modelOf = (provider: string, model: string, region?: string): Model => ({
  identity: { provider, model, ...(region ? { region } : {}) },
  next: () => Promise.reject(new Error("never called at synth")),
});
const bedrock = (id: string, region?: string) => modelOf("bedrock", id, region);

const agent = (name: string, model?: Model): Agent =>
  defineAgent({ name, prompt: "Help.", tools: [doneForNow], ...(model ? { model } : {}) });

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** A product's stack in a known account and Region, with a runtime serving `props.agents`. */
function synth(props: Partial<TwelveRuntimeProps> & { agents: readonly Agent[] }) {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new Stack(app, "Shop", { env: { account: ACCOUNT, region: REGION } });
  const runtime = new TwelveRuntime(stack, "Agents", { entry: exampleAgentsEntry, ...props });
  return { app, stack, runtime, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** A template value with its `Fn::Join`s of the partition joined, as the deployed ARN reads. */
function deployed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deployed);
  if (!value || typeof value !== "object") return value;
  const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (join) {
    return join[1]
      .map((part) => ((part as { Ref?: string }).Ref === "AWS::Partition" ? "aws" : part))
      .join(join[0]);
  }
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, deployed(v)]));
}

/** Every statement, of every role, that grants a Bedrock action. */
function bedrockStatements(template: Template): { role: string; statement: Statement }[] {
  return resourcesOf(template, "AWS::IAM::Policy").flatMap(([, policy]) =>
    (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
      [s.Action].flat().some((action) => action.startsWith("bedrock:")),
    ).map((statement) => ({
      role: JSON.stringify(policy.Properties.Roles),
      statement: deployed(statement) as Statement,
    })),
  );
}

const workerRole = (template: Template): string => {
  const { fn } = functionOf(template, "worker");
  return (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
};

const modelArn = (id: string, region = REGION) =>
  `arn:aws:bedrock:${region}::foundation-model/${id}`;
const profileArn = (id: string, region = REGION) =>
  `arn:aws:bedrock:${region}:${ACCOUNT}:inference-profile/${id}`;

/** No `*` anywhere in a Bedrock grant: neither a model nor a Region. */
function expectNoWildcard(statements: { statement: Statement }[]): void {
  const resources = statements.flatMap(({ statement }) => [statement.Resource].flat());
  expect(resources.length).toBeGreaterThan(0);
  for (const resource of resources) expect(JSON.stringify(resource)).not.toContain("*");
}

const hasOpenAiSecret = (template: Template) =>
  Object.keys(
    template.findResources("AWS::SecretsManager::Secret", {
      Properties: { Description: Match.stringLikeRegexp("OpenAI") },
    }),
  ).length > 0;

describe("Function: bedrockTarget", () => {
  it("reads model ids, inference profile ids and ARNs", () => {
    expect(bedrockTarget("amazon.nova-pro-v1:0")).toEqual({
      kind: "foundation-model",
      modelId: "amazon.nova-pro-v1:0",
    });
    for (const geography of ["us", "eu", "apac", "global", "us-gov"]) {
      expect(bedrockTarget(`${geography}.anthropic.claude-sonnet-4-20250514-v1:0`)).toEqual({
        kind: "inference-profile",
        profileId: `${geography}.anthropic.claude-sonnet-4-20250514-v1:0`,
        modelId: "anthropic.claude-sonnet-4-20250514-v1:0",
      });
    }
    expect(bedrockTarget(modelArn("meta.llama3-70b-instruct-v1:0", "us-west-2"))).toEqual({
      kind: "foundation-model",
      modelId: "meta.llama3-70b-instruct-v1:0",
      region: "us-west-2",
    });
    expect(bedrockTarget(profileArn("us.amazon.nova-lite-v1:0", "us-east-1"))).toEqual({
      kind: "inference-profile",
      profileId: "us.amazon.nova-lite-v1:0",
      modelId: "amazon.nova-lite-v1:0",
      region: "us-east-1",
      account: ACCOUNT,
    });
    const app = `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/a1b2c3`;
    expect(bedrockTarget(app)).toEqual({
      kind: "arn",
      arn: app,
      resourceType: "application-inference-profile",
    });
  });
});

describe("Function: workerModels", () => {
  it("needs the OpenAI key only when an agent falls back to an OpenAI environment model", () => {
    const own = agent("own", bedrock("amazon.nova-pro-v1:0"));
    const bare = agent("bare");
    expect(workerModels({ agents: [own, bare], model: "openai" }).openAiKey).toBe(true);
    expect(workerModels({ agents: [own], model: "openai" }).openAiKey).toBe(false);
    expect(workerModels({ agents: [bare], model: "module" }).openAiKey).toBe(false);
    expect(workerModels({ agents: [bare], model: bedrock("amazon.nova-lite-v1:0") })).toEqual({
      openAiKey: false,
      callsOpenAi: false,
      bedrock: [{ modelId: "amazon.nova-lite-v1:0" }],
      callsBedrockClient: true,
    });
    expect(
      workerModels({
        agents: [bare],
        model: "openai",
        agentModel: "bedrock:eu.amazon.nova-pro-v1:0",
      }),
    ).toEqual({
      openAiKey: false,
      callsOpenAi: false,
      bedrock: [{ modelId: "eu.amazon.nova-pro-v1:0" }],
      callsBedrockClient: true,
    });
    expect(workerModels({ agents: [bare], model: "openai", agentModel: "openai:gpt-4.1" })).toEqual(
      { openAiKey: true, callsOpenAi: true, bedrock: [], callsBedrockClient: false },
    );
  });

  it("reads agentModel as the worker reads AGENT_MODEL: trimmed, and a provider without a model refused", () => {
    const bare = agent("bare");
    expect(
      workerModels({
        agents: [bare],
        model: "openai",
        agentModel: "bedrock:  us.amazon.nova-pro-v1:0 ",
      }).bedrock,
    ).toEqual([{ modelId: "us.amazon.nova-pro-v1:0" }]);
    for (const agentModel of ["bedrock:", "bedrock:   "]) {
      expect(() => workerModels({ agents: [bare], model: "openai", agentModel })).toThrow(
        /AGENT_MODEL: must name a model after its provider/,
      );
    }
    // A provider is named in lower case, as the worker reads it: anything else is an OpenAI id.
    expect(
      workerModels({ agents: [bare], model: "openai", agentModel: "Bedrock:amazon.nova-pro-v1:0" }),
    ).toMatchObject({ openAiKey: true, bedrock: [] });
  });

  it("keeps the OpenAI SDK for an agent's own OpenAI model, and grants no model nobody falls back to", () => {
    const openai = agent("writer", modelOf("openai", "gpt-4.1"));
    expect(
      workerModels({
        agents: [openai],
        model: bedrock("amazon.nova-lite-v1:0"),
        agentModel: "bedrock:x.y",
      }),
    ).toEqual({ openAiKey: false, callsOpenAi: true, bedrock: [], callsBedrockClient: false });
  });

  it("keeps the OpenAI SDK for a model without identity, which may use it, unless model is module", () => {
    const unnamed = agent("unnamed", { next: () => Promise.reject(new Error("no identity")) });
    const named = agent("named", bedrock("amazon.nova-pro-v1:0"));
    expect(workerModels({ agents: [unnamed, named], model: "openai" }).callsOpenAi).toBe(true);
    expect(workerModels({ agents: [unnamed, named], model: "module" }).callsOpenAi).toBe(false);
    expect(workerModels({ agents: [named], model: "openai" }).callsOpenAi).toBe(false);
  });

  it("lists each Bedrock model once, with its Region when the adapter keeps it, the AI SDK's Bedrock provider too", () => {
    const agents = [
      agent("a", bedrock("amazon.nova-pro-v1:0")),
      agent("b", bedrock("amazon.nova-pro-v1:0")),
      agent("c", bedrock("amazon.nova-pro-v1:0", "us-east-1")),
      agent("d", modelOf("ai-sdk:amazon-bedrock", "meta.llama3-70b-instruct-v1:0")),
      agent("e", modelOf("ai-sdk:anthropic", "claude-sonnet-4-5")),
      agent("f", { next: () => Promise.reject(new Error("no identity")) }),
    ];
    expect(workerModels({ agents, model: "openai" }).bedrock).toEqual([
      { modelId: "amazon.nova-pro-v1:0" },
      { modelId: "amazon.nova-pro-v1:0", region: "us-east-1" },
      { modelId: "meta.llama3-70b-instruct-v1:0" },
    ]);
    // The AI SDK's Bedrock provider brings its own client: the worker needs none of Twelve's.
    expect(workerModels({ agents: agents.slice(3), model: "module" }).callsBedrockClient).toBe(
      false,
    );
  });
});

// Each test synthesizes a stack: seconds each, more on a busy machine.
describe("Construct: TwelveRuntime, Bedrock models", { timeout: 120_000 }, () => {
  it("grants the worker InvokeModel on exactly its agents' foundation models and inference profiles", () => {
    const { template } = synth({
      agents: [
        agent("triage", bedrock("amazon.nova-lite-v1:0")),
        agent("planner", bedrock("eu.anthropic.claude-sonnet-4-20250514-v1:0")),
        agent("other", bedrock("meta.llama3-70b-instruct-v1:0", "us-west-2")),
      ],
      model: "module",
    });
    const statements = bedrockStatements(template);
    // The worker alone calls the model (compaction summaries too are the worker's steps).
    expect(new Set(statements.map((s) => s.role))).toEqual(
      new Set([JSON.stringify([{ Ref: workerRole(template) }])]),
    );
    expect(statements.map((s) => s.statement)).toEqual(
      expect.arrayContaining([
        {
          Effect: "Allow",
          Action: "bedrock:InvokeModel",
          Resource: [
            modelArn("amazon.nova-lite-v1:0"),
            profileArn("eu.anthropic.claude-sonnet-4-20250514-v1:0"),
            modelArn("meta.llama3-70b-instruct-v1:0", "us-west-2"),
          ],
        },
        {
          Effect: "Allow",
          Action: "bedrock:InvokeModel",
          // The eu. geography's destination Regions (the stack's among them), no wildcard.
          Resource: PROFILE_DESTINATIONS.eu.map((region) =>
            modelArn("anthropic.claude-sonnet-4-20250514-v1:0", region),
          ),
          Condition: {
            StringEquals: {
              "bedrock:InferenceProfileArn": profileArn(
                "eu.anthropic.claude-sonnet-4-20250514-v1:0",
              ),
            },
          },
        },
      ]),
    );
    expect(statements).toHaveLength(2);
    expectNoWildcard(statements);
  });

  it("grants AGENT_MODEL's Bedrock model and makes no OpenAI secret, with agentModel: bedrock:<id>", () => {
    const { template, runtime } = synth({
      agents: [agent("bare")],
      agentModel: "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    });
    expect(runtime.openAiKeySecret).toBeUndefined();
    expect(hasOpenAiSecret(template)).toBe(false);
    expect(template.findOutputs("OpenAiKeySecretArn")).toEqual({});
    const env = environmentOf(template, "worker");
    expect(env.AGENT_MODEL).toBe("bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0");
    expect(env.OPENAI_API_KEY_SECRET_ARN).toBeUndefined();
    const resources = bedrockStatements(template).flatMap(({ statement }) =>
      [statement.Resource].flat(),
    );
    // A global profile's calls name the model in the calling Region and with no Region (as
    // AWS documents the grant of a global profile): those ARNs, no wildcard in them.
    expect(resources).toEqual([
      modelArn("anthropic.claude-sonnet-4-5-20250929-v1:0"),
      "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
      profileArn("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ]);
    expectNoWildcard(bedrockStatements(template));
  });

  it("grants a profile's model in the Regions bedrockRegions names for its geography, and in the calling Region", () => {
    const { template } = synth({
      agents: [agent("a", bedrock("us.amazon.nova-pro-v1:0", "us-east-1"))],
      bedrockRegions: { us: ["us-east-2", "us-west-2"] },
    });
    const routed = bedrockStatements(template).find(({ statement }) => statement.Condition);
    expect(routed?.statement.Resource).toEqual([
      modelArn("amazon.nova-pro-v1:0", "us-east-2"),
      modelArn("amazon.nova-pro-v1:0", "us-west-2"),
      modelArn("amazon.nova-pro-v1:0", "us-east-1"),
    ]);
    expectNoWildcard(bedrockStatements(template));
  });

  it("grants the agents module's own model when the construct is given it, with no secret", () => {
    const { template, runtime } = synth({
      agents: [agent("bare"), agent("own", modelOf("openai", "gpt-4.1"))],
      model: bedrock("amazon.nova-pro-v1:0"),
    });
    expect(runtime.openAiKeySecret).toBeUndefined();
    expect(bedrockStatements(template).map(({ statement }) => statement.Resource)).toEqual([
      modelArn("amazon.nova-pro-v1:0"),
    ]);
  });

  it("serves the children the listed agents call (agentTool), recursively, once each: their models' grants, schedules and dashboard rows", () => {
    // Prepare: a lead calls a researcher, which calls a summarizer; a reviewer calls the same
    // researcher. Only the lead and the reviewer are listed.
    const summarizer = defineAgent({
      name: "summarizer",
      prompt: "Sum up.",
      tools: [doneForNow],
      model: bedrock("amazon.nova-micro-v1:0"),
      schedules: [{ name: "nightly", expression: "cron(0 3 * * ? *)", message: "sum up the day" }],
    });
    const researcher = defineAgent({
      name: "researcher",
      prompt: "Research.",
      tools: [agentTool(summarizer), doneForNow],
      model: bedrock("amazon.nova-lite-v1:0"),
    });
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate.",
      tools: [agentTool(researcher), doneForNow],
      model: bedrock("amazon.nova-pro-v1:0"),
    });
    const reviewer = defineAgent({
      name: "reviewer",
      prompt: "Review.",
      tools: [agentTool(researcher, { name: "research_again" }), doneForNow],
      model: bedrock("amazon.nova-pro-v1:0"),
    });

    // Act
    const { template } = synth({ agents: [lead, reviewer] });

    // Assess: every model of the tree granted, each once
    const resources = bedrockStatements(template).flatMap(({ statement }) =>
      [statement.Resource].flat(),
    );
    expect(resources.sort()).toEqual(
      [
        modelArn("amazon.nova-lite-v1:0"),
        modelArn("amazon.nova-micro-v1:0"),
        modelArn("amazon.nova-pro-v1:0"),
      ].sort(),
    );
    // The grandchild's schedule is a rule, and the dashboard has a row for each agent served.
    const rules = resourcesOf(template, "AWS::Events::Rule").filter(
      ([, rule]) => rule.Properties.ScheduleExpression === "cron(0 3 * * ? *)",
    );
    expect(rules).toHaveLength(1);
    const [, dashboard] = resourcesOf(template, "AWS::CloudWatch::Dashboard")[0] ?? [];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const name of ["lead", "reviewer", "researcher", "summarizer"]) {
      expect(body).toContain(`\\"agent\\",\\"${name}\\"`);
    }
  });

  it("makes the OpenAI secret and no Bedrock grant when agents fall back to OpenAI", () => {
    const { template, runtime } = synth({ agents: [agent("bare")] });
    expect(runtime.openAiKeySecret).toBeDefined();
    expect(hasOpenAiSecret(template)).toBe(true);
    expect(bedrockStatements(template)).toEqual([]);
  });

  it("makes no OpenAI secret when every agent names its own model", () => {
    const { template } = synth({ agents: [agent("own", bedrock("amazon.nova-pro-v1:0"))] });
    expect(hasOpenAiSecret(template)).toBe(false);
    expect(environmentOf(template, "worker").OPENAI_API_KEY_SECRET_ARN).toBeUndefined();
  });

  it("grants an application inference profile's ARN as it is, and warns that its models are not known", () => {
    const arn = `arn:aws:bedrock:${REGION}:${ACCOUNT}:application-inference-profile/a1b2c3`;
    const { stack, template } = synth({ agents: [agent("own", bedrock(arn))] });
    expect(bedrockStatements(template).map(({ statement }) => statement.Resource)).toEqual([arn]);
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("foundation models it routes to are not known"),
    );
  });

  it("refuses agentModel: bedrock: with no model at synth, naming AGENT_MODEL", () => {
    expect(() => synth({ agents: [agent("bare")], agentModel: "bedrock:" })).toThrow(
      /AGENT_MODEL: must name a model after its provider/,
    );
  });

  it("reports no unacknowledged cdk-nag finding with Bedrock models and inference profiles", () => {
    const { app } = synth({
      agents: [
        agent("a", bedrock("us.amazon.nova-pro-v1:0")),
        agent("b", bedrock("amazon.nova-lite-v1:0")),
      ],
      agentModel: "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
  });

  it("reports no unacknowledged cdk-nag finding in a stack of unknown account and Region", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new Stack(app, "Shop");
    new TwelveRuntime(stack, "Agents", {
      entry: exampleAgentsEntry,
      agents: [agent("a", bedrock("eu.amazon.nova-pro-v1:0"))],
    });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
  });
});
