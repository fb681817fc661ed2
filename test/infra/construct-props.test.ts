import { Duration } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { ApiMapping, DomainName } from "aws-cdk-lib/aws-apigatewayv2";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import { SecurityGroup, SubnetType, Vpc } from "aws-cdk-lib/aws-ec2";
import { beforeAll, describe, expect, it } from "vitest";
import { functionDefaults } from "../../infra/constructs/function-settings.ts";
import { handlerNames } from "../../infra/constructs/handler-entries.ts";
import { type HandlerFunction, MCP_SERVER_SDK } from "../../infra/constructs/handler-function.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import {
  environmentOf,
  functionOf,
  type ProductStack,
  resourcesOf,
  synthProductStack,
} from "./synth.ts";

const CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d";

let product: ProductStack;

beforeAll(() => {
  // The first synth writes the handlers' entries and builds the console.
  product = synthProductStack();
});

describe("Construct: TwelveRuntime in a product's stack", () => {
  describe("Outputs", () => {
    it("gives the product's stack ApiKeySecretArn and OpenAiKeySecretArn, the secrets it exposes", () => {
      const { stack, runtime, template } = product;
      const outputs = template.findOutputs("*");
      expect(Object.keys(outputs).sort()).toEqual(["ApiKeySecretArn", "OpenAiKeySecretArn"]);
      expect(outputs.ApiKeySecretArn?.Value).toEqual(
        stack.resolve(runtime.apiKeySecret?.secretArn),
      );
      expect(outputs.OpenAiKeySecretArn?.Value).toEqual(
        stack.resolve(runtime.openAiKeySecret?.secretArn),
      );
      expect(outputs.ApiKeySecretArn?.Value).not.toEqual(outputs.OpenAiKeySecretArn?.Value);
    });

    it("outputs only the secrets that exist: none for the key with jwt, none for OpenAI with the module's model", () => {
      const { runtime, template } = synthProductStack(() => ({
        model: "module",
        jwt: { issuer: "https://idp.example.com/", audience: ["twelve"] },
      }));
      expect(runtime.apiKeySecret).toBeUndefined();
      expect(runtime.openAiKeySecret).toBeUndefined();
      expect(template.findOutputs("*")).toEqual({});
    });

    it("makes no output with outputs: false", () => {
      const { runtime, template } = synthProductStack(() => ({ outputs: false }));
      expect(runtime.apiKeySecret).toBeDefined();
      expect(template.findOutputs("*")).toEqual({});
    });
  });

  describe("functions: memory, timeout and reserved concurrency per function", () => {
    it("sets the worker's and the trigger's, and hides their queues' messages for six times their timeouts", () => {
      const { template } = synthProductStack(() => ({
        functions: {
          worker: {
            memorySize: 1024,
            timeout: Duration.minutes(10),
            reservedConcurrentExecutions: 20,
          },
          trigger: { timeout: Duration.seconds(30) },
        },
      }));
      expect(functionOf(template, "worker").fn.Properties).toMatchObject({
        MemorySize: 1024,
        Timeout: 600,
        ReservedConcurrentExecutions: 20,
      });
      expect(functionOf(template, "trigger").fn.Properties).toMatchObject({
        MemorySize: 512,
        Timeout: 30,
      });
      template.hasResourceProperties("AWS::SQS::Queue", {
        FifoQueue: true,
        VisibilityTimeout: 3600,
        RedrivePolicy: Match.anyValue(),
      });
      // The worker's reserve caps the step queue's pollers; the trigger has none to cap the inbox's.
      const mappings = resourcesOf(template, "AWS::Lambda::EventSourceMapping").map(
        ([, mapping]) => mapping.Properties,
      );
      const workerId = functionOf(template, "worker").id;
      const triggerId = functionOf(template, "trigger").id;
      expect(mappings.find((m) => JSON.stringify(m.FunctionName).includes(workerId))).toMatchObject(
        { ScalingConfig: { MaximumConcurrency: 20 } },
      );
      expect(
        mappings.find((m) => JSON.stringify(m.FunctionName).includes(triggerId))?.ScalingConfig,
      ).toBeUndefined();
      const inbox = resourcesOf(template, "AWS::SQS::Queue").filter(
        ([id, queue]) => id.includes("Inbox") && queue.Properties.RedrivePolicy,
      );
      expect(inbox.map(([, queue]) => queue.Properties.VisibilityTimeout)).toEqual([180]);
    });

    it("keeps every other function at its default, with no reserved concurrency", () => {
      const { template } = synthProductStack(() => ({
        functions: { worker: { memorySize: 2048 } },
      }));
      for (const name of handlerNames.filter((name) => name !== "worker")) {
        const { Properties } = functionOf(template, name).fn;
        expect(Properties.MemorySize, name).toBe(functionDefaults[name].memorySize);
        expect(Properties.Timeout, name).toBe(functionDefaults[name].timeout.toSeconds());
        expect(Properties.ReservedConcurrentExecutions, name).toBeUndefined();
      }
    });

    it("fails the synth naming the setting when a value is one Lambda or the HTTP API refuses", () => {
      const synth = (functions: object) => () => synthProductStack(() => ({ functions }));
      expect(synth({ api: { timeout: Duration.seconds(45) } })).toThrow(
        /functions\.api\.timeout must be at most 30 s.*got 45 s/,
      );
      expect(synth({ worker: { timeout: Duration.minutes(20) } })).toThrow(ConfigError);
      expect(synth({ worker: { timeout: Duration.minutes(20) } })).toThrow(
        /functions\.worker\.timeout must be a whole number from 1 to 900 s, got 1200 s/,
      );
    });
  });

  describe("vpc: the worker next to private databases", () => {
    const inVpc = () =>
      synthProductStack((stack) => {
        const vpc = new Vpc(stack, "Vpc", { maxAzs: 2, restrictDefaultSecurityGroup: false });
        return {
          vpc,
          vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
          securityGroups: [new SecurityGroup(stack, "Tools", { vpc })],
        };
      });

    it("runs the worker in the VPC's subnets with the given security group, and no other function", () => {
      const { stack, template } = inVpc();
      const config = functionOf(template, "worker").fn.Properties.VpcConfig as {
        SubnetIds: unknown[];
        SecurityGroupIds: unknown[];
      };
      const tools = stack.node.findChild("Tools") as SecurityGroup;
      expect(config.SecurityGroupIds).toEqual([stack.resolve(tools.securityGroupId)]);
      const vpc = stack.node.findChild("Vpc") as Vpc;
      expect(config.SubnetIds).toEqual(
        vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId)),
      );
      for (const name of handlerNames.filter((name) => name !== "worker")) {
        expect(functionOf(template, name).fn.Properties.VpcConfig, name).toBeUndefined();
      }
    });

    it("lets the worker's role manage its network interfaces before the function is made", () => {
      const { template } = inVpc();
      const { id, fn } = functionOf(template, "worker");
      const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const found = resourcesOf(template, "AWS::IAM::Policy").find(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(`"${role}"`),
      );
      if (!found) throw new Error("the worker's role has no policy");
      const [policyId, policy] = found;
      expect(policy.Properties.PolicyDocument).toEqual(
        expect.objectContaining({
          Statement: expect.arrayContaining([
            expect.objectContaining({
              Action: expect.arrayContaining([
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
              ]),
              Resource: "*",
            }),
          ]),
        }),
      );
      const dependsOn = (template.toJSON().Resources[id] as { DependsOn?: string[] }).DependsOn;
      expect(dependsOn).toContain(policyId);
      // No managed policy: the role names only what Lambda needs for the interfaces.
      template.resourcePropertiesCountIs(
        "AWS::IAM::Role",
        { ManagedPolicyArns: Match.anyValue() },
        0,
      );
    });

    it("refuses subnets or security groups without the vpc they belong to", () => {
      expect(() =>
        synthProductStack((stack) => ({
          securityGroups: [
            new SecurityGroup(stack, "Tools", { vpc: new Vpc(stack, "Other", { maxAzs: 1 }) }),
          ],
        })),
      ).toThrow(/securityGroups is set without vpc/);
    });
  });

  describe("A custom domain", () => {
    it("with domain, maps the API's $default stage at the domain's root, and links notices to it", () => {
      const { stack, runtime, template } = synthProductStack((stack) => ({
        domain: {
          name: "agents.example.com",
          certificate: Certificate.fromCertificateArn(stack, "Cert", CERTIFICATE),
        },
      }));
      template.hasResourceProperties("AWS::ApiGatewayV2::DomainName", {
        DomainName: "agents.example.com",
        DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE })],
      });
      const [[domainId]] = resourcesOf(template, "AWS::ApiGatewayV2::DomainName") as [
        [string, unknown],
      ];
      template.hasResourceProperties("AWS::ApiGatewayV2::ApiMapping", {
        ApiId: stack.resolve(runtime.httpApi.apiId),
        DomainName: { Ref: domainId },
        Stage: stack.resolve(runtime.stage.stageName),
        ApiMappingKey: Match.absent(),
      });
      expect(stack.resolve(runtime.url)).toEqual({
        "Fn::Join": ["", ["https://", { Ref: domainId }, "/"]],
      });
      expect(environmentOf(template, "worker").PUBLIC_URL).toEqual(stack.resolve(runtime.url));
    });

    it("exposes the HTTP API and its stage for a DomainName and an ApiMapping of the product's", () => {
      const { stack, runtime, template } = synthProductStack(
        () => ({}),
        (stack, runtime) => {
          const domainName = new DomainName(stack, "Domain", {
            domainName: "api.shop.example.com",
            certificate: Certificate.fromCertificateArn(stack, "Cert", CERTIFICATE),
          });
          new ApiMapping(stack, "AgentsMapping", {
            api: runtime.httpApi,
            domainName,
            stage: runtime.stage,
          });
        },
      );
      template.hasResourceProperties("AWS::ApiGatewayV2::ApiMapping", {
        ApiId: stack.resolve(runtime.httpApi.apiId),
        DomainName: { Ref: Match.stringLikeRegexp("^Domain") },
        Stage: stack.resolve(runtime.stage.stageName),
      });
      expect(runtime.domainName).toBeUndefined();
    });
  });

  describe("mcpEndpoint: a deployment no MCP client calls", () => {
    const routeKeys = (template: ProductStack["template"]) =>
      resourcesOf(template, "AWS::ApiGatewayV2::Route").map(
        ([, route]) => route.Properties.RouteKey,
      );
    /** The esbuild aliases of the function running `handler` (its `HandlerFunction`'s). */
    const aliasesOf = (runtime: ProductStack["runtime"], handler: "api" | "worker") =>
      (runtime.functions[handler].node.scope as HandlerFunction).aliases;

    it("by default routes POST /mcp and bundles the MCP server SDK into the API", () => {
      const { runtime, template } = product;
      expect(routeKeys(template)).toContain("POST /mcp");
      expect(aliasesOf(runtime, "api")[MCP_SERVER_SDK]).toBeUndefined();
    });

    it("with false, leaves the route out of the gateway and the SDK out of the API's bundle", () => {
      // Act
      const { runtime, template } = synthProductStack(() => ({ mcpEndpoint: false }));

      // Assess: every other route stays
      const keys = routeKeys(template);
      expect(keys).not.toContain("POST /mcp");
      expect(keys.length).toBe(routeKeys(product.template).length - 1);
      expect(keys).toContain("POST /threads");
      expect(aliasesOf(runtime, "api")[MCP_SERVER_SDK]).toMatch(/mcp-server-left-out\.cjs$/);
      expect(aliasesOf(runtime, "worker")[MCP_SERVER_SDK]).toBeUndefined();
    });
  });
});
