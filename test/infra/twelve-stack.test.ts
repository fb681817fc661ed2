import { rmSync } from "node:fs";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../../functions/api/routes.ts";
import {
  approvalMetrics,
  DEFAULT_METRICS_NAMESPACE,
  stepMetrics,
} from "../../functions/observability/metric-names.ts";
import { ERROR_RATE_THRESHOLD } from "../../infra/constructs/dashboard.ts";
import { handlerNames } from "../../infra/constructs/handler-entries.ts";
import { MAX_RECEIVE_COUNT, WORKER_TIMEOUT } from "../../infra/twelve-runtime.ts";
import { threadIndexes, threadTable } from "../../shared/aws/dynamo/table.ts";
import { agents } from "../../shared/examples/agents.ts";
import {
  environmentOf,
  functionOf,
  functionsByHandler,
  resourcesOf,
  type Synthesized,
  synthTwelve,
} from "./synth.ts";

let deployed: Synthesized;
let template: Template;

beforeAll(() => {
  // Bundling is left to bundles.test.ts: these assertions are about the resources.
  deployed = synthTwelve({}, { bundle: false });
  template = deployed.template;
}, 120_000);

afterAll(() => rmSync(deployed.outdir, { recursive: true, force: true }));

const logicalId = (type: string, props: Record<string, unknown>): string => {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as string;
};

describe("Stack: Twelve", () => {
  describe("DynamoDB thread table", () => {
    it("has the keys, TTL and indexes of shared/aws/dynamo/table.ts", () => {
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: [
          { AttributeName: threadTable.partitionKey, KeyType: "HASH" },
          { AttributeName: threadTable.sortKey, KeyType: "RANGE" },
        ],
        TimeToLiveSpecification: { AttributeName: threadTable.ttlAttribute, Enabled: true },
        GlobalSecondaryIndexes: threadIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: "HASH" },
            { AttributeName: index.sortKey, KeyType: "RANGE" },
          ],
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: [...index.nonKeyAttributes],
          },
        })),
      });
    });

    it("is on-demand, with point-in-time recovery and server-side encryption", () => {
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it("keeps its data when the stack is deleted, and refuses deletion", () => {
      template.hasResource("AWS::DynamoDB::Table", {
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
    });

    it("is deleted with the stack when deployed with -c removalPolicy=destroy", () => {
      const dev = synthTwelve({ removalPolicy: "destroy" }, { bundle: false });
      try {
        dev.template.hasResource("AWS::DynamoDB::Table", {
          DeletionPolicy: "Delete",
          Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
        });
      } finally {
        rmSync(dev.outdir, { recursive: true, force: true });
      }
    });
  });

  describe("SQS step queues", () => {
    it("are a FIFO step queue with explicit deduplication and a FIFO dead-letter queue after 5 receives", () => {
      const dlq = logicalId("AWS::SQS::Queue", {
        FifoQueue: true,
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties("AWS::SQS::Queue", {
        FifoQueue: true,
        ContentBasedDeduplication: false,
        RedrivePolicy: {
          deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] },
          maxReceiveCount: MAX_RECEIVE_COUNT,
        },
      });
      expect(MAX_RECEIVE_COUNT).toBe(5);
      // The worker knows which delivery is the last, to mark the thread failed then.
      expect(environmentOf(template, "worker").STEP_MAX_RECEIVES).toBe("5");
    });

    it("are all encrypted by SQS and refuse requests without TLS (steps, inbox, dead letters)", () => {
      const queues = resourcesOf(template, "AWS::SQS::Queue");
      // Steps and their dead letters, the inbox and its, undelivered notices, unreaped threads.
      expect(queues).toHaveLength(6);
      for (const [id, queue] of queues) {
        expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: "Deny",
                Action: "sqs:*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              }),
            ]),
          },
        });
      }
    });

    it("hide a received step for six times the worker's timeout", () => {
      const { fn: worker } = functionOf(template, "worker");
      expect(worker.Properties.Timeout).toBe(WORKER_TIMEOUT.toSeconds());
      template.hasResourceProperties("AWS::SQS::Queue", {
        FifoQueue: true,
        VisibilityTimeout: 6 * WORKER_TIMEOUT.toSeconds(),
      });
    });

    it("feed the trigger the inbox in batches of 10, partial failures reported, dead letters sendable", () => {
      const { id: triggerId } = functionOf(template, "trigger");
      const queues = template.findResources("AWS::SQS::Queue", {
        Properties: Match.objectLike({ VisibilityTimeout: 60 }),
      });
      const [inbox = ""] = Object.keys(queues);
      expect(Object.keys(queues)).toHaveLength(1);
      const properties = (queues[inbox] ?? { Properties: {} }).Properties as {
        FifoQueue?: boolean;
        RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [string, string] } };
      };
      expect(properties.FifoQueue).toBeUndefined();
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        FunctionName: { Ref: triggerId },
        EventSourceArn: { "Fn::GetAtt": [inbox, "Arn"] },
        BatchSize: 10,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
      const dlq = properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0];
      expect(environmentOf(template, "trigger").INBOX_DLQ_URL).toEqual({ Ref: dlq });
      expect(policyOf("trigger")).toContainEqual(
        expect.objectContaining({
          actions: expect.arrayContaining(["sqs:SendMessage"]),
          resources: expect.arrayContaining([{ "Fn::GetAtt": [dlq, "Arn"] }]),
        }),
      );
    });

    it("feed the worker in batches of 10, reporting partial batch failures", () => {
      const { id: workerId } = functionOf(template, "worker");
      const queue = logicalId("AWS::SQS::Queue", { ContentBasedDeduplication: false });
      // The worker's, the trigger's (the inbox) and the reaper's (the table's stream).
      template.resourceCountIs("AWS::Lambda::EventSourceMapping", 3);
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        FunctionName: { Ref: workerId },
        EventSourceArn: { "Fn::GetAtt": [queue, "Arn"] },
        BatchSize: 10,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
    });
  });

  describe("Lambda functions", () => {
    it("are one per handler of functions/", () => {
      expect([...functionsByHandler(template).keys()].sort()).toEqual([...handlerNames].sort());
    });

    it("run nodejs24.x on arm64 with source maps and the Powertools settings", () => {
      for (const [name, [, fn]] of functionsByHandler(template)) {
        expect(fn.Properties).toMatchObject({
          Runtime: "nodejs24.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
          Environment: {
            Variables: {
              NODE_OPTIONS: "--enable-source-maps",
              POWERTOOLS_SERVICE_NAME: `twelve-${name}`,
              POWERTOOLS_LOG_LEVEL: "INFO",
            },
          },
        });
      }
    });

    it("log to their own log groups, kept for a month", () => {
      for (const [, [, fn]] of functionsByHandler(template)) {
        const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup;
        const group = template.toJSON().Resources[logGroup.Ref];
        expect(group).toMatchObject({
          Type: "AWS::Logs::LogGroup",
          Properties: { RetentionInDays: 30 },
        });
      }
    });

    it("give the worker the API's URL for the links in its notices", () => {
      const api = logicalId("AWS::ApiGatewayV2::Api", {});
      const url = (handler: string) => JSON.stringify(environmentOf(template, handler).PUBLIC_URL);
      expect(url("worker")).toContain(`{"Ref":"${api}"}`);
      expect(url("worker")).toContain(".execute-api.");
      expect(url("api")).toBeUndefined();
    });
  });

  describe("Model", () => {
    it("is OpenAI, with the key in a Secrets Manager secret only the worker reads", () => {
      const secret = logicalId("AWS::SecretsManager::Secret", {
        Description: Match.stringLikeRegexp("OpenAI"),
      });
      const env = (handler: string) => environmentOf(template, handler);
      expect(env("worker").OPENAI_API_KEY_SECRET_ARN).toEqual({ Ref: secret });
      for (const other of ["api", "trigger", "reconciler", "authorizer"]) {
        expect(env(other).OPENAI_API_KEY_SECRET_ARN).toBeUndefined();
      }
      expect(policyOf("worker")).toContainEqual({
        actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        resources: [{ Ref: secret }],
      });
    });

    it("is the examples module's own (demo) model, with no secret, with -c demoModel=true", () => {
      const demo = synthTwelve({ demoModel: "true" }, { bundle: false });
      try {
        const vars = environmentOf(demo.template, "worker");
        expect(vars.OPENAI_API_KEY_SECRET_ARN).toBeUndefined();
        demo.template.resourcePropertiesCountIs(
          "AWS::SecretsManager::Secret",
          { Description: Match.stringLikeRegexp("OpenAI") },
          0,
        );
      } finally {
        rmSync(demo.outdir, { recursive: true, force: true });
      }
    });
  });

  describe("HTTP API", () => {
    /** The routes with no authorizer at the gateway: the signed webhook and the console's. */
    const openRoutes = routes.filter((r) => r.openAtGateway).map((r) => `${r.method} ${r.path}`);

    it("has exactly the routes of functions/api/routes.ts, all to the API function", () => {
      const { id: apiFn } = functionOf(template, "api");
      const routeKeys = resourcesOf(template, "AWS::ApiGatewayV2::Route").map(
        ([, route]) => route.Properties.RouteKey,
      );
      expect(routeKeys.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
      template.resourceCountIs("AWS::ApiGatewayV2::Integration", 1);
      template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [apiFn, "Arn"] },
      });
    });

    it("authorizes every route but the signed webhook with the bearer-key Lambda authorizer", () => {
      const { id: authorizerFn } = functionOf(template, "authorizer");
      const authorizer = logicalId("AWS::ApiGatewayV2::Authorizer", {
        AuthorizerType: "REQUEST",
        AuthorizerPayloadFormatVersion: "2.0",
        EnableSimpleResponses: true,
        IdentitySource: ["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds: 300,
      });
      const authorizerUri = JSON.stringify(
        template.toJSON().Resources[authorizer].Properties.AuthorizerUri,
      );
      expect(authorizerUri).toContain(authorizerFn);
      const open: unknown[] = [];
      for (const [, route] of resourcesOf(template, "AWS::ApiGatewayV2::Route")) {
        if (openRoutes.includes(route.Properties.RouteKey as string)) {
          open.push(route.Properties.AuthorizationType);
          continue;
        }
        expect(route.Properties).toMatchObject({
          AuthorizationType: "CUSTOM",
          AuthorizerId: { Ref: authorizer },
        });
      }
      // The webhook route checks its HMAC signature in the function instead; the console's
      // routes serve public files (its API calls carry the key); a callback's token is its key.
      expect(openRoutes.sort()).toEqual([
        "GET /console",
        "GET /console/{path+}",
        "GET /email/decisions",
        "POST /callbacks/{token}",
        "POST /email/decisions",
        "POST /hooks/{source}",
        "POST /slack/commands",
        "POST /slack/events",
        "POST /slack/interactions",
      ]);
      expect(open).toEqual(openRoutes.map(() => "NONE"));
      expect(environmentOf(template, "api").WEBHOOK_SECRETS_ARN).toBeDefined();
    });

    it("keeps the bearer key in a generated secret that only the authorizer reads", () => {
      const secret = logicalId("AWS::SecretsManager::Secret", {
        GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      });
      expect(environmentOf(template, "authorizer").API_KEY_SECRET_ARN).toEqual({ Ref: secret });
      const readers = [...functionsByHandler(template).keys()].filter((name) =>
        policyOf(name).some((statement) =>
          JSON.stringify(statement.resources).includes(`"${secret}"`),
        ),
      );
      expect(readers).toEqual(["authorizer"]);
    });

    it("with a JWT issuer, authorizes the same routes with the HTTP API's JWT authorizer, and makes no key", () => {
      // Prepare
      const issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf";
      const jwt = synthTwelve({ jwtIssuer: issuer, jwtAudience: "web,cli" }, { bundle: false });
      try {
        const jwtTemplate = jwt.template;

        // Assess
        jwtTemplate.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
        const [[authorizer] = []] = resourcesOf(jwtTemplate, "AWS::ApiGatewayV2::Authorizer");
        jwtTemplate.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
          AuthorizerType: "JWT",
          IdentitySource: ["$request.header.Authorization"],
          JwtConfiguration: { Issuer: issuer, Audience: ["web", "cli"] },
        });
        const open: unknown[] = [];
        for (const [, route] of resourcesOf(jwtTemplate, "AWS::ApiGatewayV2::Route")) {
          if (openRoutes.includes(route.Properties.RouteKey as string)) {
            open.push(route.Properties.AuthorizationType);
            continue;
          }
          expect(route.Properties).toMatchObject({
            AuthorizationType: "JWT",
            AuthorizerId: { Ref: authorizer },
          });
        }
        expect(open).toEqual(openRoutes.map(() => "NONE"));
        expect(functionsByHandler(jwtTemplate).has("authorizer")).toBe(false);
        expect(
          jwtTemplate.findResources("AWS::SecretsManager::Secret", {
            Properties: Match.objectLike({
              GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
            }),
          }),
        ).toEqual({});
        expect(Object.keys(jwtTemplate.findOutputs("ApiKeySecretArn"))).toEqual([]);
      } finally {
        rmSync(jwt.outdir, { recursive: true, force: true });
      }
    });

    it("throttles the $default stage and writes access logs, with no CORS", () => {
      template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
        StageName: "$default",
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        AccessLogSettings: {
          DestinationArn: { "Fn::GetAtt": [Match.anyValue(), "Arn"] },
          Format: Match.stringLikeRegexp("\\$context.requestId"),
        },
      });
      template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
        ProtocolType: "HTTP",
        CorsConfiguration: Match.absent(),
      });
    });
  });

  describe("EventBridge", () => {
    it("has the agents' bus, which only the worker may publish to", () => {
      const bus = logicalId("AWS::Events::EventBus", { Name: "twelve-agents" });
      const publishers = [...functionsByHandler(template).keys()].filter((name) =>
        policyOf(name).some((statement) => statement.actions.includes("events:PutEvents")),
      );
      expect(publishers).toEqual(["worker"]);
      expect(policyOf("worker")).toContainEqual({
        actions: ["events:PutEvents"],
        resources: [{ "Fn::GetAtt": [bus, "Arn"] }],
      });
    });

    it("has one scheduled rule per agent schedule, sending the local scheduler's input", () => {
      const { id: triggerFn } = functionOf(template, "trigger");
      const declared = [...agents.values()].flatMap((agent) =>
        agent.schedules.map((schedule) => ({ agent: agent.name, ...schedule })),
      );
      expect(declared.length).toBeGreaterThan(0);
      const scheduled = resourcesOf(template, "AWS::Events::Rule").filter(([, rule]) =>
        JSON.stringify(rule.Properties.Targets).includes(triggerFn as string),
      );
      const schedules = scheduled.filter(([, rule]) => rule.Properties.ScheduleExpression);
      expect(schedules).toHaveLength(declared.length);
      for (const schedule of declared) {
        template.hasResourceProperties("AWS::Events::Rule", {
          ScheduleExpression: schedule.expression,
          Targets: [
            Match.objectLike({
              Arn: { "Fn::GetAtt": [triggerFn, "Arn"] },
              InputTransformer: {
                InputPathsMap: { time: "$.time" },
                InputTemplate: JSON.stringify({
                  agent: schedule.agent,
                  message: schedule.message,
                  schedule: `${schedule.agent}-${schedule.name}`,
                  time: "<time>",
                }).replace('"<time>"', "<time>"),
              },
            }),
          ],
        });
      }
    });

    it("launches agents from agent.launch events on the agents' bus", () => {
      const { id: triggerFn } = functionOf(template, "trigger");
      const bus = logicalId("AWS::Events::EventBus", { Name: "twelve-agents" });
      template.hasResourceProperties("AWS::Events::Rule", {
        EventBusName: { Ref: bus },
        EventPattern: { "detail-type": ["agent.launch"] },
        Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [triggerFn, "Arn"] } })],
      });
    });

    it("runs the reconciler every 5 minutes", () => {
      const { id: reconcilerFn } = functionOf(template, "reconciler");
      template.hasResourceProperties("AWS::Events::Rule", {
        ScheduleExpression: "rate(5 minutes)",
        Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [reconcilerFn, "Arn"] } })],
      });
    });
  });

  describe("Notices", () => {
    it("go from the bus to the notify function, retried for two hours, then to a dead-letter queue", () => {
      const { id: notifyId } = functionOf(template, "notify");
      const [[, rule] = []] = resourcesOf(template, "AWS::Events::Rule").filter(([, r]) =>
        JSON.stringify(r.Properties.EventPattern ?? {}).includes("thread.waiting"),
      );
      expect(rule?.Properties.EventPattern).toEqual({
        source: ["twelve"],
        "detail-type": [
          "thread.waiting",
          "thread.waiting_for_callback",
          "thread.done",
          "thread.failed",
        ],
      });
      const [target] = (rule ?? { Properties: { Targets: [] } }).Properties.Targets as {
        Arn: unknown;
        RetryPolicy: unknown;
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [string, string] } };
      }[];
      expect(target?.Arn).toEqual({ "Fn::GetAtt": [notifyId, "Arn"] });
      expect(target?.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 7200,
        MaximumRetryAttempts: 8,
      });
      const dlq = target?.DeadLetterConfig.Arn["Fn::GetAtt"][0];
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
      });
    });

    it("reach the receivers in the NotifyWebhooks secret, which only the notify function reads", () => {
      const secret = logicalId("AWS::SecretsManager::Secret", {
        Description: Match.stringLikeRegexp("Receivers of thread notices"),
      });
      expect(environmentOf(template, "notify").NOTIFY_WEBHOOKS_ARN).toEqual({ Ref: secret });
      const readers = [...functionsByHandler(template).keys()].filter((name) =>
        policyOf(name).some((statement) =>
          JSON.stringify(statement.resources).includes(`"${secret}"`),
        ),
      );
      expect(readers).toEqual(["notify"]);
    });
  });

  describe("Slack and email (-c slackChannel, -c emailFrom -c approverEmails)", () => {
    it("give the Slack secret to the API and notify functions alone, and SES sending to notify alone", () => {
      // Prepare
      const both = synthTwelve(
        {
          slackChannel: "C0123ABCD",
          emailFrom: "Twelve <twelve@example.com>",
          approverEmails: "ops@example.com",
        },
        { bundle: false },
      );
      try {
        const t = both.template;
        const slack = Object.keys(
          t.findResources("AWS::SecretsManager::Secret", {
            Properties: Match.objectLike({ Description: Match.stringLikeRegexp("^Slack app") }),
          }),
        );
        expect(slack).toHaveLength(1);
        const env = (handler: string) => environmentOf(t, handler);
        expect(env("notify")).toMatchObject({
          SLACK_SECRET_ARN: { Ref: slack[0] },
          SLACK_CHANNEL: "C0123ABCD",
          EMAIL_FROM: "Twelve <twelve@example.com>",
          APPROVER_EMAILS: "ops@example.com",
        });
        expect(env("api").SLACK_SECRET_ARN).toEqual({ Ref: slack[0] });
        // The link key reaches both functions as a dynamic reference, never as text in the template.
        for (const handler of ["api", "notify"]) {
          expect(JSON.stringify(env(handler).EMAIL_LINK_SECRET)).toContain(
            "{{resolve:secretsmanager:",
          );
        }
        const policy = (handler: string) => {
          const { fn } = functionOf(t, handler);
          const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
          return JSON.stringify(
            resourcesOf(t, "AWS::IAM::Policy").filter(([, p]) =>
              JSON.stringify(p.Properties.Roles).includes(`"${role}"`),
            ),
          );
        };
        const readers = [...functionsByHandler(t).keys()].filter((name) =>
          policy(name).includes(`"${slack[0]}"`),
        );
        expect(readers.sort()).toEqual(["api", "notify"]);
        const senders = [...functionsByHandler(t).keys()].filter((name) =>
          policy(name).includes("ses:SendEmail"),
        );
        expect(senders).toEqual(["notify"]);
        expect(policy("notify")).toContain(":identity/twelve@example.com");
        expect(policy("notify")).toContain(":identity/example.com");
      } finally {
        rmSync(both.outdir, { recursive: true, force: true });
      }
    });
  });

  describe("Alarms", () => {
    it("fire on a message in any dead-letter queue (steps, inbox, undelivered notices, unreaped threads)", () => {
      const dlqs = Object.keys(
        template.findResources("AWS::SQS::Queue", {
          Properties: Match.objectLike({ MessageRetentionPeriod: 1_209_600 }),
        }),
      );
      expect(dlqs).toHaveLength(4);
      for (const dlq of dlqs) {
        template.hasResourceProperties("AWS::CloudWatch::Alarm", {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateNumberOfMessagesVisible",
          Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: 0,
        });
      }
    });

    it("fire on a worker error and on a worker throttle", () => {
      const { id: workerId } = functionOf(template, "worker");
      for (const metric of ["Errors", "Throttles"]) {
        template.hasResourceProperties("AWS::CloudWatch::Alarm", {
          Namespace: "AWS/Lambda",
          MetricName: metric,
          Dimensions: [{ Name: "FunctionName", Value: { Ref: workerId } }],
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: 0,
        });
      }
    });
  });

  describe("Outputs", () => {
    it("give the API URL, the secrets, and the table, queue and bus names", () => {
      expect(Object.keys(template.findOutputs("*")).sort()).toEqual(
        [
          "ApiKeySecretArn",
          "ApiUrl",
          "DeadLetterQueueName",
          "EventBusName",
          "InboxQueueUrl",
          "NotifyWebhooksArn",
          "OpenAiKeySecretArn",
          "PayloadBucketName",
          "StepQueueName",
          "TableName",
          "WebhookSecretsArn",
        ].sort(),
      );
    });
  });

  describe("Retention: the reaper", () => {
    it("has the table stream its keys, the only view the reaper needs", () => {
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        StreamSpecification: { StreamViewType: "KEYS_ONLY" },
      });
    });

    it("feeds the reaper only TTL's removals of meta items, from the oldest record, bisecting and retrying a failing batch before its dead-letter queue", () => {
      const { id: reaperId } = functionOf(template, "reaper");
      const table = logicalId("AWS::DynamoDB::Table", {});
      const mapping = resourcesOf(template, "AWS::Lambda::EventSourceMapping").find(
        ([, resource]) => JSON.stringify(resource.Properties.FunctionName).includes(reaperId),
      )?.[1].Properties as Record<string, unknown> & {
        FilterCriteria: { Filters: { Pattern: string }[] };
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [string, string] } } };
      };
      expect(mapping).toMatchObject({
        EventSourceArn: { "Fn::GetAtt": [table, "StreamArn"] },
        StartingPosition: "TRIM_HORIZON",
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
      expect(mapping.FilterCriteria.Filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
        {
          eventName: ["REMOVE"],
          userIdentity: { type: ["Service"], principalId: ["dynamodb.amazonaws.com"] },
          dynamodb: { Keys: { sk: { S: ["META"] }, pk: { S: [{ prefix: "THREAD#" }] } } },
        },
      ]);
      const dlq = mapping.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
      });
    });

    it("lets the reaper query and delete the table's items, read its stream and send to its dead letters: nothing else", () => {
      const table = logicalId("AWS::DynamoDB::Table", {});
      const { id: reaperId } = functionOf(template, "reaper");
      const mapping = resourcesOf(template, "AWS::Lambda::EventSourceMapping").find(
        ([, resource]) => JSON.stringify(resource.Properties.FunctionName).includes(reaperId),
      )?.[1].Properties as {
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [string, string] } } };
      };
      const dlq = mapping.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
      const statements = policyOf("reaper").filter(
        (statement) => !statement.actions.every((action) => action.startsWith("logs:")),
      );
      expect(statements).toHaveLength(6);
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            actions: ["dynamodb:DeleteItem", "dynamodb:Query"],
            resources: [{ "Fn::GetAtt": [table, "Arn"] }],
          },
          {
            actions: [
              "dynamodb:DescribeStream",
              "dynamodb:GetRecords",
              "dynamodb:GetShardIterator",
            ],
            resources: [{ "Fn::GetAtt": [table, "StreamArn"] }],
          },
          // No resource-level permissions exist for it (acknowledged to cdk-nag on this role).
          { actions: ["dynamodb:ListStreams"], resources: ["*"] },
          {
            actions: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
            resources: [{ "Fn::GetAtt": [dlq, "Arn"] }],
          },
          // The thread's objects in the payload bucket: listed by prefix, deleted.
          { actions: ["s3:DeleteObject"], resources: [payloadObjects()] },
          { actions: ["s3:ListBucket"], resources: [{ "Fn::GetAtt": [payloadBucket(), "Arn"] }] },
        ]),
      );
      expect(environmentOf(template, "reaper")).toEqual({
        TABLE_NAME: { Ref: table },
        PAYLOAD_BUCKET: { Ref: payloadBucket() },
        ...Object.fromEntries(
          Object.entries(environmentOf(template, "reaper")).filter(
            ([key]) =>
              key.startsWith("POWERTOOLS_") || key.startsWith("NODE_") || key.startsWith("AWS_"),
          ),
        ),
      });
    });
  });

  describe("Seeing it run: traces, metrics, dashboard", () => {
    it("trace the worker alone (active X-Ray), whose only statement on every resource is X-Ray's writes", () => {
      for (const [name, [, fn]] of functionsByHandler(template)) {
        expect(fn.Properties.TracingConfig, name).toEqual(
          name === "worker" ? { Mode: "Active" } : undefined,
        );
      }
      expect(policyOf("worker").filter((s) => s.resources.includes("*"))).toEqual([
        { actions: ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], resources: ["*"] },
      ]);
    });

    it("give the worker and the reconciler the metrics namespace and their service names", () => {
      for (const name of ["worker", "reconciler"]) {
        expect(environmentOf(template, name)).toMatchObject({
          POWERTOOLS_METRICS_NAMESPACE: DEFAULT_METRICS_NAMESPACE,
          POWERTOOLS_SERVICE_NAME: `twelve-${name}`,
        });
      }
    });

    it("have a dashboard with each agent's step, latency, token and approval metrics and the dead letters", () => {
      const dashboards = resourcesOf(template, "AWS::CloudWatch::Dashboard");
      expect(dashboards).toHaveLength(1);
      // The body is a Fn::Join of JSON text around tokens (the region, the queues' names).
      const properties: Record<string, unknown> = dashboards[0]?.[1].Properties ?? {};
      const parts = (properties.DashboardBody as { "Fn::Join": [string, unknown[]] })[
        "Fn::Join"
      ][1];
      const body = JSON.parse(
        parts.map((part) => (typeof part === "string" ? part : "TOKEN")).join(""),
      );
      const graphs = (body.widgets as { type: string; properties: { metrics?: unknown[][] } }[])
        .filter((widget) => widget.type === "metric")
        .flatMap((widget) => widget.properties.metrics ?? []);
      /** A graphed metric as namespace, name, dimensions and statistic. */
      const graphed = graphs
        .filter((line) => typeof line[0] === "string")
        .map((line) => {
          const [namespace, name, ...rest] = line as string[];
          const options = rest.pop() as unknown as { stat: string };
          const dimensions = Object.fromEntries(
            rest.flatMap((_, i) => (i % 2 === 0 ? [[rest[i], rest[i + 1]]] : [])),
          );
          return { namespace, name, dimensions, stat: options.stat };
        });
      for (const agent of agents.map((a) => a.name)) {
        const ofAgent = graphed.filter((metric) => metric.dimensions.agent === agent);
        const worker = {
          namespace: DEFAULT_METRICS_NAMESPACE,
          dimensions: { agent, service: "twelve-worker" },
        };
        const reconciler = { ...worker, dimensions: { agent, service: "twelve-reconciler" } };
        expect(ofAgent).toEqual(
          expect.arrayContaining([
            { ...worker, name: stepMetrics.steps, stat: "Sum" },
            { ...worker, name: stepMetrics.errors, stat: "Sum" },
            { ...worker, name: stepMetrics.escalations, stat: "Sum" },
            { ...worker, name: stepMetrics.modelLatency, stat: "p50" },
            { ...worker, name: stepMetrics.modelLatency, stat: "p99" },
            { ...worker, name: stepMetrics.inputTokens, stat: "Sum" },
            { ...worker, name: stepMetrics.outputTokens, stat: "Sum" },
            { ...reconciler, name: approvalMetrics.approvalsWaiting, stat: "Maximum" },
            { ...reconciler, name: approvalMetrics.oldestApprovalAge, stat: "Maximum" },
          ]),
        );
      }
      const depths = graphed.filter(
        (metric) => metric.name === "ApproximateNumberOfMessagesVisible",
      );
      expect(depths).toHaveLength(4);
      expect(graphs.some((line) => JSON.stringify(line).includes("errors / steps"))).toBe(true);
    });

    it("alarm on each agent's error rate (Errors / Steps), and on no dead-letter queue twice", () => {
      const rates = resourcesOf(template, "AWS::CloudWatch::Alarm").filter(([, alarm]) =>
        JSON.stringify(alarm.Properties.Metrics ?? []).includes("errors / steps"),
      );
      expect(rates).toHaveLength(agents.length);
      for (const [, alarm] of rates) {
        expect(alarm.Properties).toMatchObject({
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: ERROR_RATE_THRESHOLD,
          EvaluationPeriods: 2,
          TreatMissingData: "notBreaching",
        });
        const metrics = alarm.Properties.Metrics as {
          Expression?: string;
          MetricStat?: { Metric: { MetricName: string; Namespace: string } };
        }[];
        expect(metrics.map((m) => m.Expression ?? m.MetricStat?.Metric.MetricName).sort()).toEqual([
          "Errors",
          "IF(steps > 0, errors / steps, 0)",
          "Steps",
        ]);
      }
      const queueAlarms = resourcesOf(template, "AWS::CloudWatch::Alarm").filter(
        ([, alarm]) => alarm.Properties.Namespace === "AWS/SQS",
      );
      const watched = queueAlarms.map(([, alarm]) => JSON.stringify(alarm.Properties.Dimensions));
      expect(new Set(watched).size).toBe(watched.length);
      expect(watched).toHaveLength(4);
    });
  });

  describe("S3 payload bucket", () => {
    it("is encrypted by S3, blocks all public access, refuses plain HTTP and TLS below 1.2, keeps no versions", () => {
      const buckets = resourcesOf(template, "AWS::S3::Bucket");
      expect(buckets).toHaveLength(1);
      const [id, bucket] = buckets[0] as (typeof buckets)[number];
      expect(id).toBe(payloadBucket());
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      });
      expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
      const policy = resourcesOf(template, "AWS::S3::BucketPolicy")[0]?.[1].Properties as {
        PolicyDocument: { Statement: { Effect: string; Condition: unknown }[] };
      };
      expect(policy.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          expect.objectContaining({
            Effect: "Deny",
            Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
          }),
        ]),
      );
    });

    it("aborts incomplete uploads after a day and expires objects only after a 10-year backstop", () => {
      const bucket = resourcesOf(template, "AWS::S3::Bucket")[0]?.[1].Properties as {
        LifecycleConfiguration: { Rules: unknown[] };
      };
      expect(bucket.LifecycleConfiguration.Rules).toEqual([
        {
          Id: "abort-incomplete-uploads",
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: "Enabled",
        },
        { Id: "backstop", Prefix: "threads/", ExpirationInDays: 3650, Status: "Enabled" },
      ]);
    });

    it("is kept when the stack is deleted, also with -c removalPolicy=destroy, and never emptied by it", () => {
      const destroyed = synthTwelve({ removalPolicy: "destroy" }, { bundle: false });
      try {
        for (const synthesized of [template, destroyed.template]) {
          const bucket = resourcesOf(synthesized, "AWS::S3::Bucket")[0]?.[1] as unknown as {
            DeletionPolicy?: string;
            UpdateReplacePolicy?: string;
          };
          expect(bucket.DeletionPolicy).toBe("Retain");
          expect(bucket.UpdateReplacePolicy).toBe("Retain");
          expect(Object.keys(synthesized.findResources("Custom::S3AutoDeleteObjects"))).toEqual([]);
        }
      } finally {
        rmSync(destroyed.outdir, { recursive: true, force: true });
      }
    });

    it("lets the API read, write and delete its objects, the worker and trigger read and write, the reconciler read; no one else", () => {
      const s3 = (name: string) =>
        policyOf(name)
          .filter((statement) => statement.actions.some((action) => action.startsWith("s3:")))
          .map((statement) => ({ ...statement, actions: [...statement.actions].sort() }));
      const objects = payloadObjects();
      const list = {
        actions: ["s3:ListBucket"],
        resources: [{ "Fn::GetAtt": [payloadBucket(), "Arn"] }],
      };
      expect(s3("api")).toEqual([
        { actions: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], resources: [objects] },
        list,
      ]);
      expect(s3("worker")).toEqual([
        { actions: ["s3:GetObject", "s3:PutObject"], resources: [objects] },
      ]);
      expect(s3("trigger")).toEqual([
        { actions: ["s3:GetObject", "s3:PutObject"], resources: [objects] },
      ]);
      expect(s3("reconciler")).toEqual([{ actions: ["s3:GetObject"], resources: [objects] }]);
      expect(s3("notify")).toEqual([]);
      expect(s3("authorizer")).toEqual([]);
      // Listing is limited to the threads' prefix.
      const { fn } = functionOf(template, "api");
      const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const statements = resourcesOf(template, "AWS::IAM::Policy")
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap(
          ([, p]) =>
            (
              p.Properties.PolicyDocument as {
                Statement: { Action: unknown; Condition?: unknown }[];
              }
            ).Statement,
        );
      expect(
        statements.find((statement) => statement.Action === "s3:ListBucket")?.Condition,
      ).toEqual({
        StringLike: { "s3:prefix": ["threads/*"] },
      });
    });

    it("names the bucket to every function that holds the thread store", () => {
      for (const name of ["api", "worker", "trigger", "reconciler", "reaper"]) {
        expect(environmentOf(template, name).PAYLOAD_BUCKET, name).toEqual({
          Ref: payloadBucket(),
        });
      }
      for (const name of ["notify", "authorizer"]) {
        expect(environmentOf(template, name).PAYLOAD_BUCKET, name).toBeUndefined();
      }
    });
  });

  describe("Least privilege", () => {
    it("grants no wildcard action and attaches no managed policy", () => {
      for (const [, policy] of resourcesOf(template, "AWS::IAM::Policy")) {
        const document = policy.Properties.PolicyDocument as { Statement: { Action: unknown }[] };
        for (const statement of document.Statement) {
          for (const action of [statement.Action].flat()) {
            expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
          }
        }
      }
      for (const [, role] of resourcesOf(template, "AWS::IAM::Role")) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it("gives each function only the services it uses", () => {
      const services = (name: string) =>
        [...new Set(policyOf(name).flatMap((s) => s.actions.map((a) => a.split(":")[0])))].sort();
      expect(services("api")).toEqual(["dynamodb", "logs", "s3", "secretsmanager", "sqs"]);
      expect(services("trigger")).toEqual(["dynamodb", "logs", "s3", "sqs"]);
      expect(services("reconciler")).toEqual(["dynamodb", "logs", "s3", "sqs"]);
      expect(services("worker")).toEqual([
        "dynamodb",
        "events",
        "logs",
        "s3",
        "secretsmanager",
        "sqs",
        "xray",
      ]);
      expect(services("authorizer")).toEqual(["logs", "secretsmanager"]);
      expect(services("notify")).toEqual(["logs", "secretsmanager"]);
      expect(services("reaper")).toEqual(["dynamodb", "logs", "s3", "sqs"]);
      // The reconciler only reads threads; the worker receives step messages, the trigger the
      // inbox's (and sends to no queue but the step queue and the inbox's dead letters).
      const actions = (name: string) => policyOf(name).flatMap((s) => s.actions);
      const tableWrites = /^dynamodb:(Put|Update|Delete|BatchWrite)/;
      expect(actions("reconciler").filter((a) => tableWrites.test(a))).toEqual([]);
      const receivers = ["api", "trigger", "reconciler", "worker", "authorizer", "notify"].filter(
        (name) => actions(name).includes("sqs:ReceiveMessage"),
      );
      expect(receivers).toEqual(["trigger", "worker"]);
    });
  });
});

/** The payload bucket's logical id. */
function payloadBucket(): string {
  const ids = Object.keys(template.findResources("AWS::S3::Bucket"));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** The ARN of the payload bucket's objects under `threads/`, as the template writes it. */
function payloadObjects() {
  return { "Fn::Join": ["", [{ "Fn::GetAtt": [payloadBucket(), "Arn"] }, "/threads/*"]] };
}

/** The statements of a function's role policy, as action lists and resources. */
function policyOf(handler: string): { actions: string[]; resources: unknown[] }[] {
  const { fn } = functionOf(template, handler);
  const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policies = resourcesOf(template, "AWS::IAM::Policy").filter(([, policy]) =>
    JSON.stringify(policy.Properties.Roles).includes(`"${role}"`),
  );
  return policies.flatMap(([, policy]) =>
    (
      policy.Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      }
    ).Statement.map((statement) => ({
      actions: [statement.Action].flat(),
      resources: [statement.Resource].flat(),
    })),
  );
}
