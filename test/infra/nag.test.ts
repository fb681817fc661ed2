import { rmSync } from "node:fs";
import { Duration, Validations } from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import { Vpc } from "aws-cdk-lib/aws-ec2";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthProductStack, synthTwelve } from "./synth.ts";

let deployed: Synthesized;

beforeAll(() => {
  deployed = synthTwelve({}, { bundle: false });
}, 120_000);

afterAll(() => rmSync(deployed.outdir, { recursive: true, force: true }));

/** Every acknowledged cdk-nag finding in the tree: construct path, rule id, reason. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

describe("cdk-nag: AwsSolutions", () => {
  it("reports no unacknowledged finding", () => {
    const report = new AwsSolutionsChecks().validateScope(deployed.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("reports no unacknowledged finding with a JWT authorizer instead of API keys", () => {
    const jwt = synthTwelve(
      { jwtIssuer: "https://idp.example.com/", jwtAudience: "twelve" },
      { bundle: false },
    );
    try {
      const report = new AwsSolutionsChecks().validateScope(jwt.app);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
    } finally {
      rmSync(jwt.outdir, { recursive: true, force: true });
    }
  });

  it("reports no unacknowledged finding with Slack and email set up", () => {
    const channels = synthTwelve(
      {
        slackChannel: "C0123ABCD",
        emailFrom: "twelve@example.com",
        approverEmails: "ops@example.com",
      },
      { bundle: false },
    );
    try {
      const report = new AwsSolutionsChecks().validateScope(channels.app);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
    } finally {
      rmSync(channels.outdir, { recursive: true, force: true });
    }
  });

  it("reports no unacknowledged finding in the runtime of a product's stack with a vpc, a custom domain and function settings", () => {
    const { runtime } = synthProductStack((stack) => ({
      vpc: new Vpc(stack, "Vpc", { maxAzs: 2 }),
      domain: {
        name: "agents.example.com",
        certificate: Certificate.fromCertificateArn(
          stack,
          "Cert",
          "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d",
        ),
      },
      functions: { worker: { timeout: Duration.minutes(10), reservedConcurrentExecutions: 5 } },
    }));
    // The product's VPC is the product's to check; the runtime's resources are the construct's.
    const report = new AwsSolutionsChecks().validateScope(runtime);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
  });

  it("acknowledges findings only on the constructs they concern, each with a one-line reason", () => {
    const all = acknowledgments(deployed.app);
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(path, id).not.toBe("Twelve");
      expect(reason.length, `${path} ${id}`).toBeGreaterThan(30);
      expect(reason, `${path} ${id}`).not.toMatch(/\n/);
    }
  });

  it("acknowledges only secrets rotated by hand, the table's own indexes, the payload bucket's objects and access logs, the open routes, the notices' dead letters and the worker's X-Ray writes", () => {
    const kinds = new Set(
      acknowledgments(deployed.app).map(({ id }) =>
        id
          .replace(/\[Resource::<\w*ThreadsTable[0-9A-F]+\.Arn>\/index\/\*\]$/, "[table indexes]")
          .replace(/\[Resource::<\w*PayloadsBucket[0-9A-F]+\.Arn>\/threads\/\*\]$/, "[payloads]"),
      ),
    );
    expect([...kinds].sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-IAM5[Resource::*]",
      "AwsSolutions-IAM5[payloads]",
      "AwsSolutions-IAM5[table indexes]",
      "AwsSolutions-S1",
      "AwsSolutions-SMG4",
      "AwsSolutions-SQS3",
    ]);
  });
});
