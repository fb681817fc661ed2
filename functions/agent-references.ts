import type { EmailConfig } from "../shared/channels/email/config.ts";
import type { SlackConfig } from "../shared/channels/slack/config.ts";
import type { WebhookTarget } from "../shared/channels/webhook-channel.ts";
import { ConfigError } from "../shared/core/errors.ts";
import type { WebhookSource } from "./api/webhook-config.ts";

/** A setting that names an agent: where (`WEBHOOK_SOURCES.github.launch.agent`) and which. */
export interface AgentReference {
  setting: string;
  agent: string;
}

/**
 * The agents the settings name: webhook launches, notice receivers' filters, Slack's default
 * agent and its per-agent channels (`SLACK_CHANNELS`), and the per-agent approvers
 * (`APPROVER_EMAILS`, whose `"*"` names every agent, not one).
 */
export function agentReferences(settings: {
  webhookSources?: Readonly<Record<string, WebhookSource>>;
  notifyWebhooks?: readonly WebhookTarget[];
  slack?: (Pick<SlackConfig, "agent"> & Partial<Pick<SlackConfig, "channels">>) | null;
  email?: Pick<EmailConfig, "approvers"> | null;
}): AgentReference[] {
  return [
    ...Object.entries(settings.webhookSources ?? {}).flatMap(([name, source]) =>
      source.launch
        ? [{ setting: `WEBHOOK_SOURCES.${name}.launch.agent`, agent: source.launch.agent }]
        : [],
    ),
    ...(settings.notifyWebhooks ?? []).flatMap((target, at) =>
      (target.agents ?? []).map((agent) => ({ setting: `NOTIFY_WEBHOOKS.${at}.agents`, agent })),
    ),
    ...(settings.slack?.agent ? [{ setting: "SLACK_AGENT", agent: settings.slack.agent }] : []),
    ...Object.keys(settings.slack?.channels ?? {}).map((agent) => ({
      setting: `SLACK_CHANNELS.${agent}`,
      agent,
    })),
    ...Object.keys(settings.email?.approvers ?? {})
      .filter((agent) => agent !== "*")
      .map((agent) => ({ setting: `APPROVER_EMAILS.${agent}`, agent })),
  ];
}

/**
 * Refuses settings that name an agent the deployment does not serve: a launch that could only
 * ever answer 404, a receiver that could never hear anything. One `ConfigError`, every problem in
 * its one line.
 *
 * @example
 * assertKnownAgents(["calculator"], [{ setting: "SLACK_AGENT", agent: "nope" }]);
 * // ConfigError: invalid configuration: SLACK_AGENT: names agent "nope", which is not served (agents: calculator)
 */
export function assertKnownAgents(
  served: Iterable<string>,
  references: readonly AgentReference[],
): void {
  const names = [...served];
  const unknown = references.filter((reference) => !names.includes(reference.agent));
  if (unknown.length === 0) return;
  throw new ConfigError(
    `invalid configuration: ${unknown
      .map(
        ({ setting, agent }) =>
          `${setting}: names agent ${JSON.stringify(agent)}, which is not served (agents: ${names.join(", ")})`,
      )
      .join("; ")}`,
  );
}
