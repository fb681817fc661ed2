import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { agentReferences, assertKnownAgents } from "../../functions/agent-references.ts";
import { templateProblem } from "../../functions/api/webhook-template.ts";
import { readWorkerSettings } from "../../functions/compose/settings/worker.ts";
import { apiHandler } from "../../functions/handlers/api.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { calculator } from "../../shared/examples/agents.ts";

describe("Function: assertKnownAgents", () => {
  it("names each setting that names an agent not served, in one line", () => {
    const references = agentReferences({
      notifyWebhooks: [{ url: "http://127.0.0.1:1/", secret: "s", agents: ["calculator", "x"] }],
      slack: { agent: "nope" },
    });
    expect(() => assertKnownAgents(["calculator"], references)).toThrow(ConfigError);
    expect(() => assertKnownAgents(["calculator"], references)).toThrow(
      /^[^\n]*NOTIFY_WEBHOOKS\.0\.agents: names agent "x"[^\n]*; SLACK_AGENT: names agent "nope"[^\n]*$/,
    );
    expect(() => assertKnownAgents(["calculator", "x", "nope"], references)).not.toThrow();
  });

  it('names each key of SLACK_CHANNELS and APPROVER_EMAILS (but "*") naming an agent not served', () => {
    // Prepare
    const references = agentReferences({
      slack: { channels: { calculator: "C1", refundz: "C2" } },
      email: { approvers: { "*": ["ops@example.com"], deploybott: ["lead@example.com"] } },
    });

    // Act + Assess
    expect(references).toEqual([
      { setting: "SLACK_CHANNELS.calculator", agent: "calculator" },
      { setting: "SLACK_CHANNELS.refundz", agent: "refundz" },
      { setting: "APPROVER_EMAILS.deploybott", agent: "deploybott" },
    ]);
    expect(() => assertKnownAgents(["calculator", "deploybot"], references)).toThrow(
      new ConfigError(
        'invalid configuration: SLACK_CHANNELS.refundz: names agent "refundz", which is not served (agents: calculator, deploybot); APPROVER_EMAILS.deploybott: names agent "deploybott", which is not served (agents: calculator, deploybot)',
      ),
    );
  });
});

describe("Function: templateProblem", () => {
  it.each([
    ["{{a", /unclosed or empty/],
    ["Triage {{issue.title}} }}", /unclosed or empty/],
    ["{{ }}", /unclosed or empty/],
    ["no place", /fills nothing/],
  ])("refuses %j", (template, problem) => {
    expect(templateProblem(template)).toMatch(problem);
  });

  it("accepts places with and without spaces", () => {
    expect(templateProblem("Triage {{issue.title}}: {{ issue.labels.0.name }}")).toBeUndefined();
  });
});

describe("Function: readWorkerSettings", () => {
  it.each([
    ["STEP_MAX_RECEIVES", "0"],
    ["THREAD_CACHE_MB", "-1"],
  ])("refuses %s=%s naming it", (name, value) => {
    expect(() => readWorkerSettings({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});

describe("Function: apiHandler (the Lambda's first read of its settings)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("refuses SLACK_AGENT naming an agent the deployment does not serve", () => {
    // Prepare
    vi.stubEnv("SLACK_AGENT", "nope");
    const handler = apiHandler({ agents: [calculator] });

    // Act
    const first = () => handler({ rawPath: "/health" } as APIGatewayProxyEventV2);

    // Assess
    expect(first).toThrow(ConfigError);
    expect(first).toThrow(/SLACK_AGENT: names agent "nope", which is not served/);
  });

  it("refuses APPROVER_EMAILS naming an agent the deployment does not serve", () => {
    // Prepare
    vi.stubEnv("APPROVER_EMAILS", '{"*": ["ops@example.com"], "nope": ["lead@example.com"]}');
    vi.stubEnv("EMAIL_FROM", "twelve@example.com");
    vi.stubEnv("EMAIL_LINK_SECRET", "l".repeat(32));
    const handler = apiHandler({ agents: [calculator] });

    // Act
    const first = () => handler({ rawPath: "/health" } as APIGatewayProxyEventV2);

    // Assess
    expect(first).toThrow(
      /^[^\n]*APPROVER_EMAILS\.nope: names agent "nope", which is not served[^\n]*$/,
    );
  });
});
