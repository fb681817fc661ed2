import { RemovalPolicy } from "aws-cdk-lib";
import type { Node } from "constructs";
import * as z from "zod";
import { describeConfigIssues } from "../shared/config/read-env.ts";
import { ConfigError } from "../shared/core/errors.ts";
import type { JwtAuth } from "./constructs/http-api.ts";

const flag = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .default(false)
  .transform((value) => value === true || value === "true");

const optionalText = z.string().trim().min(1).optional();

const schema = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, "letters, digits and hyphens")
    .default("Twelve"),
  demoModel: flag,
  runtimeAwsSdk: flag,
  removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
  logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
  agentModel: optionalText,
  openAiBaseUrl: z.url().optional(),
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:\S+$/, "an SNS topic ARN")
    .optional(),
  jwtIssuer: z
    .string()
    .regex(/^https:\/\/\S+$/, "an https issuer URL (the tokens' iss)")
    .optional(),
  jwtAudience: z
    .string()
    .transform((value) => value.split(",").map((aud) => aud.trim()))
    .refine((list) => list.every((aud) => aud !== ""), "comma-separated audiences, none empty")
    .optional(),
  slackChannel: z
    .string()
    .regex(/^[A-Z0-9]{6,20}$/, "a Slack channel id (C0123…)")
    .optional(),
  emailFrom: z.string().regex(/@/, "a sender address (a verified SES identity)").optional(),
  approverEmails: optionalText,
});

/** What a deployment may choose with `-c key=value`; everything else is fixed in code. */
export interface DeploySettings {
  /** The CloudFormation stack name; names the event bus too (`twelve-agents` for `Twelve`). */
  stackName: string;
  /** Run the rule-based demo model instead of OpenAI (no secret, no model calls). */
  demoModel: boolean;
  /**
   * Leave the AWS SDK (`@aws-sdk/*`) out of the bundles and load the copy the Lambda runtime
   * includes: bundles less than half the size, but a slower cold start (the runtime's SDK loads
   * from many files) and an SDK version the tests did not run. Default: bundled, as AWS advises.
   */
  runtimeAwsSdk: boolean;
  /** What happens to the thread table and the logs when the stack is deleted. */
  removalPolicy: RemovalPolicy;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** AGENT_MODEL of the worker (the SDK default model when unset). */
  agentModel?: string;
  /** OPENAI_BASE_URL of the worker, for an OpenAI-compatible server. */
  openAiBaseUrl?: string;
  /** An existing SNS topic the alarms notify. */
  alarmTopicArn?: string;
  /** `-c jwtIssuer=… -c jwtAudience=a,b`: a JWT authorizer instead of API keys. */
  jwt?: JwtAuth;
  /** `-c slackChannel=C0123`: approvals and questions in Slack (the token goes in the Slack secret). */
  slackChannel?: string;
  /** `-c emailFrom=… -c approverEmails=a@x.com,b@x.com`: approvals and questions by email (SES). */
  email?: { from: string; approvers: string };
}

/**
 * Reads the deployment's context (`cdk.json` or `-c key=value`), failing loudly with the key
 * (a `ConfigError`, its problems worded as the environment's are).
 *
 * @example
 * const settings = readSettings(app.node); // npx cdk deploy -c demoModel=true
 */
export function readSettings(node: Node): DeploySettings {
  const keys = Object.keys(schema.shape) as (keyof typeof schema.shape)[];
  const raw = Object.fromEntries(keys.map((key) => [key, node.tryGetContext(key)]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid context (-c key=value): ${describeConfigIssues(parsed.error.issues, raw)}`,
      { cause: parsed.error },
    );
  }
  const {
    removalPolicy,
    agentModel,
    openAiBaseUrl,
    alarmTopicArn,
    jwtIssuer,
    jwtAudience,
    slackChannel,
    emailFrom,
    approverEmails,
    ...rest
  } = parsed.data;
  if (Boolean(emailFrom) !== Boolean(approverEmails)) {
    throw new ConfigError(
      `invalid context (-c key=value): ${emailFrom ? "approverEmails" : "emailFrom"}: is required with ${emailFrom ? "emailFrom" : "approverEmails"} (email needs a sender and approvers)`,
    );
  }
  if (Boolean(jwtIssuer) !== Boolean(jwtAudience)) {
    throw new ConfigError(
      `invalid context (-c key=value): ${jwtIssuer ? "jwtAudience" : "jwtIssuer"}: is required with ${jwtIssuer ? "jwtIssuer" : "jwtAudience"} (a JWT authorizer needs both)`,
    );
  }
  return {
    ...rest,
    removalPolicy: removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(agentModel ? { agentModel } : {}),
    ...(openAiBaseUrl ? { openAiBaseUrl } : {}),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
    ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: jwtAudience } } : {}),
    ...(slackChannel ? { slackChannel } : {}),
    ...(emailFrom && approverEmails
      ? { email: { from: emailFrom, approvers: approverEmails } }
      : {}),
  };
}
