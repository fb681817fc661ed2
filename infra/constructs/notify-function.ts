import { Duration, RemovalPolicy, SecretValue, Validations } from "aws-cdk-lib";
import { type EventBus, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { acknowledgeManualRotation } from "../nag.ts";
import type { ChannelSettings } from "./channel-settings.ts";
import type { MakeFunction } from "./function-factory.ts";

export interface NotifyFunctionProps {
  /** The agents' bus the worker publishes notices to. */
  bus: EventBus;
  /** Slack's and email's environment and grants. */
  channels: ChannelSettings;
}

/**
 * Notices fan out to the channels away from the steps (`Notify`, run by the `Notices` rule): a
 * receiver that is down costs a step nothing; EventBridge retries the fan-out for two hours, then
 * keeps the notice in a dead-letter queue (`UndeliveredNotices`). The webhook receivers are in
 * the `NotifyWebhooks` secret, which it alone reads.
 *
 * @example
 * const { notify, notifyWebhooks, undelivered } = notifyFunction(this, make, { bus, channels });
 */
export function notifyFunction(
  scope: Construct,
  make: MakeFunction,
  props: NotifyFunctionProps,
): { notify: NodejsFunction; notifyWebhooks: Secret; undelivered: Queue } {
  const notifyWebhooks = new Secret(scope, "NotifyWebhooks", {
    description:
      'Receivers of thread notices as JSON [{"url", "secret": "whsec_…", "events"?, "agents"?}]',
    secretStringValue: SecretValue.unsafePlainText("[]"),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeManualRotation(
    notifyWebhooks,
    "Shared with the receivers of notices, who verify with it: it changes when they change it, " +
      "by hand (put-secret-value); the notify function reads it again within 5 minutes.",
  );
  const notify = make("Notify", "notify", {
    description: "Hands thread notices (waiting, done, failed) to webhooks, Slack and email",
    environment: { NOTIFY_WEBHOOKS_ARN: notifyWebhooks.secretArn, ...props.channels.environment },
  });
  notifyWebhooks.grantRead(notify);
  props.channels.grant(notify);
  const undelivered = new Queue(scope, "UndeliveredNotices", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(undelivered).acknowledge({
    id: "AwsSolutions-SQS3",
    reason:
      "The dead-letter queue of the notices rule's target: EventBridge puts there what it could not deliver.",
  });
  new Rule(scope, "Notices", {
    description: "Thread notices to the notify function",
    eventBus: props.bus,
    eventPattern: {
      source: ["twelve"],
      detailType: ["thread.waiting", "thread.waiting_for_callback", "thread.done", "thread.failed"],
    },
    targets: [
      new LambdaFunction(notify, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: undelivered,
      }),
    ],
  });
  return { notify, notifyWebhooks, undelivered };
}
