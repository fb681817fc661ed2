import { fileURLToPath } from "node:url";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { Agent } from "../shared/core/agent.ts";
import type { DeploySettings } from "./settings.ts";
import { TwelveRuntime } from "./twelve-runtime.ts";

export interface TwelveStackProps extends StackProps {
  settings: DeploySettings;
  /** The agents module the functions run, and its agents at synth time. */
  entry: string;
  agents: readonly Agent[];
}

/** The reference app's agents module. */
export const exampleAgentsEntry = fileURLToPath(
  new URL("../shared/examples/agents.ts", import.meta.url),
);

/**
 * This repository's own stack: a `TwelveRuntime` serving the example agents, with the outputs
 * the README's deploy walkthrough reads. A user of the package does the same in a stack of theirs.
 *
 * @example
 * new TwelveStack(app, "Twelve", { settings: readSettings(app.node), entry, agents });
 */
export class TwelveStack extends Stack {
  readonly runtime: TwelveRuntime;

  constructor(scope: Construct, id: string, props: TwelveStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const runtime = new TwelveRuntime(this, "Runtime", {
      entry: props.entry,
      agents: props.agents,
      model: settings.demoModel ? "module" : "openai",
      removalPolicy: settings.removalPolicy,
      logLevel: settings.logLevel,
      runtimeAwsSdk: settings.runtimeAwsSdk,
      eventBusName: `${settings.stackName.toLowerCase()}-agents`,
      ...(settings.agentModel ? { agentModel: settings.agentModel } : {}),
      ...(settings.openAiBaseUrl ? { openAiBaseUrl: settings.openAiBaseUrl } : {}),
      ...(settings.alarmTopicArn ? { alarmTopicArn: settings.alarmTopicArn } : {}),
      ...(settings.jwt ? { jwt: settings.jwt } : {}),
      ...(settings.slackChannel ? { slack: { channel: settings.slackChannel } } : {}),
      ...(settings.email ? { email: settings.email } : {}),
    });
    this.runtime = runtime;

    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description });
    // The runtime outputs ApiKeySecretArn and OpenAiKeySecretArn itself.
    output("ApiUrl", runtime.url, "Base URL of the HTTP API");
    output(
      "WebhookSecretsArn",
      runtime.webhookSecrets.secretArn,
      "Webhook secrets: JSON {source: secret}",
    );
    output(
      "NotifyWebhooksArn",
      runtime.notifyWebhooks.secretArn,
      'Receivers of thread notices: JSON [{"url", "secret", "events"?, "agents"?}]',
    );
    output("TableName", runtime.table.tableName, "The thread table");
    output(
      "PayloadBucketName",
      runtime.payloadBucket.bucketName,
      "Event data over 32 KB (retained when the stack is deleted)",
    );
    output("StepQueueName", runtime.stepQueue.queueName, "The FIFO step queue");
    output(
      "InboxQueueUrl",
      runtime.inboxQueue.queueUrl,
      "Where other systems send launches and answers (aws sqs send-message)",
    );
    output("DeadLetterQueueName", runtime.deadLetterQueue.queueName, "Steps that kept failing");
    output(
      "EventBusName",
      runtime.bus.eventBusName,
      "thread.waiting/done/failed notices, agent.launch events",
    );
  }
}
