import { RemovalPolicy, SecretValue, Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { acknowledgeManualRotation } from "../nag.ts";

/** Approvals and questions in Slack: where pauses are posted (a channel id, and per agent). */
export interface SlackChannelProps {
  channel?: string;
  channels?: Readonly<Record<string, string>>;
  agent?: string;
}

/** Approvals and questions by email through SES v2: the sender and the approvers. */
export interface EmailChannelProps {
  from: string;
  approvers: string | Readonly<Record<string, readonly string[]>>;
  linkTtlSeconds?: number;
}

/** What the notify function needs of the channels: its environment and its grants. */
export interface ChannelSettings {
  environment: Record<string, string>;
  grant(fn: NodejsFunction): void;
}

/**
 * Slack's and email's settings for the notify function (which posts and sends) and the API
 * function (which takes the clicks and the confirm pages): the `Slack` secret both read, the
 * `EmailLinkKey` both use, and SES sending for notify alone. The API function gets its part here;
 * the notify function's part is returned.
 *
 * @example
 * const channels = channelSettings(this, { slack: { channel: "C0123" } }, apiHandler);
 * channels.grant(notify);
 */
export function channelSettings(
  scope: Construct,
  props: { slack?: SlackChannelProps; email?: EmailChannelProps },
  api: NodejsFunction,
): ChannelSettings {
  const environment: Record<string, string> = {};
  const grants: ((fn: NodejsFunction) => void)[] = [];
  if (props.slack) {
    const slack = new Secret(scope, "Slack", {
      description:
        'Slack app of the approvals: JSON {"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_SIGNING_SECRET": "…"}',
      secretStringValue: SecretValue.unsafePlainText("{}"),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeManualRotation(
      slack,
      "Holds a token and a signing secret Slack issues; Secrets Manager cannot mint them. Rotate them in Slack and put-secret-value.",
    );
    environment.SLACK_SECRET_ARN = slack.secretArn;
    if (props.slack.channel) environment.SLACK_CHANNEL = props.slack.channel;
    if (props.slack.channels) environment.SLACK_CHANNELS = JSON.stringify(props.slack.channels);
    if (props.slack.agent) environment.SLACK_AGENT = props.slack.agent;
    grants.push((fn) => slack.grantRead(fn));
    // The API takes Slack's clicks and events: it verifies them with the signing secret.
    api.addEnvironment("SLACK_SECRET_ARN", slack.secretArn);
    slack.grantRead(api);
  }
  if (props.email) {
    const linkKey = new Secret(scope, "EmailLinkKey", {
      description: "Signs the approval and reply links of emails (HMAC-SHA256)",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeManualRotation(
      linkKey,
      "A rotation would void the links in emails already sent: rotate by hand (put-secret-value) when that is wanted.",
    );
    // A dynamic reference: CloudFormation puts the generated key into both functions' settings.
    environment.EMAIL_LINK_SECRET = linkKey.secretValue.unsafeUnwrap();
    api.addEnvironment("EMAIL_LINK_SECRET", linkKey.secretValue.unsafeUnwrap());
    environment.EMAIL_FROM = props.email.from;
    environment.APPROVER_EMAILS =
      typeof props.email.approvers === "string"
        ? props.email.approvers
        : JSON.stringify(props.email.approvers);
    if (props.email.linkTtlSeconds) {
      environment.EMAIL_LINK_TTL_SECONDS = String(props.email.linkTtlSeconds);
    }
    grants.push(sesSending(scope, props.email.from));
  }
  return {
    environment,
    grant: (fn) => {
      for (const give of grants) give(fn);
    },
  };
}

/** Sending as `from` through SES: the verified address, or the domain it belongs to. */
function sesSending(scope: Construct, from: string): (fn: NodejsFunction) => void {
  const address = from.replace(/^.*<|>.*$/g, "").trim();
  const domain = address.split("@")[1] ?? address;
  const stack = Stack.of(scope);
  return (fn) =>
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["ses:SendEmail", "ses:SendRawEmail"],
        resources: [address, domain].map((identity) =>
          stack.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
        ),
      }),
    );
}
