import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import {
  emailChannel,
  type MailTransport,
  type OutgoingMail,
  sesTransport,
} from "../../shared/channels/email/channel.ts";
import type { EmailConfig } from "../../shared/channels/email/config.ts";
import { verifyLink } from "../../shared/channels/email/links.ts";
import type { Notice } from "../../shared/channels/notices.ts";
import { hashArgs } from "../../shared/core/hash.ts";

const config: EmailConfig = {
  from: "Twelve <twelve@example.com>",
  approvers: { "*": ["ops@example.com"], deploybot: ["lead@example.com", "cto@example.com"] },
  linkSecret: "0123456789abcdef0123456789abcdef",
  linkTtlSeconds: 3600,
};
const NOW = new Date("2026-01-01T00:00:00Z");

const waiting = (agent: string, overrides: Partial<Notice["data"]> = {}): Notice => ({
  type: "thread.waiting",
  data: {
    id: "thr_1:call_1",
    threadId: "thr_1",
    agent,
    status: "waiting_for_approval",
    kind: "approval",
    callId: "call_1",
    tool: "deploy_api",
    args: { tag: "<v2>" },
    link: "https://api.example.com/prod/threads/thr_1",
    ...overrides,
  } as Notice["data"] & { status: "waiting_for_approval" },
});

/** A transport that keeps what it is given and fails the first `failures` sends to `failing`. */
function fakeTransport(failing = "", failures = 0) {
  const sent: OutgoingMail[] = [];
  const tries: string[] = [];
  const transport: MailTransport = {
    async sendMail(mail) {
      tries.push(mail.to);
      if (mail.to === failing && tries.filter((t) => t === failing).length <= failures) {
        throw new Error("451 try again later");
      }
      sent.push(mail);
    },
  };
  return { transport, sent, tries };
}

describe("Function: emailChannel", () => {
  it("mails an escalation as one for an operator, not as the customer's question", async () => {
    const { transport, sent } = fakeTransport();
    const escalation = waiting("deploybot", {
      status: "waiting_for_human",
      kind: "escalation",
      reason: "too_many_errors",
      tool: "escalation",
      message: "Escalated after 3 consecutive errors.",
    });
    await emailChannel(config, transport, { now: () => NOW }).deliver(escalation);
    expect(sent[0]?.subject).toBe("[deploybot] escalation for an operator (too_many_errors)");
    expect(sent[0]?.text).toContain("This is not a question from the customer");
    expect(sent[0]?.text).toContain("Why: Escalated after 3 consecutive errors.");
    expect(sent[0]?.text).not.toContain("asks you a question");
  });

  it("sends each approver of the agent a mail with the call, the args and a link signed for them", async () => {
    const { transport, sent } = fakeTransport();
    await emailChannel(config, transport, { now: () => NOW }).deliver(waiting("deploybot"));
    expect(sent.map((m) => m.to)).toEqual(["lead@example.com", "cto@example.com"]);
    for (const mail of sent) {
      expect(mail.from).toBe(config.from);
      expect(mail.subject).toBe("[deploybot] approve deploy_api?");
      expect(mail.text).toContain('"tag": "<v2>"');
      expect(mail.html).toContain("&quot;tag&quot;: &quot;&lt;v2&gt;&quot;");
      const link = /https:\/\/api\.example\.com\/prod\/email\/decisions\?t=(\S+)/.exec(mail.text);
      const verified = verifyLink(config.linkSecret, decodeURIComponent(link?.[1] ?? ""), NOW);
      expect(verified).toEqual({
        ok: true,
        claims: {
          kind: "approval",
          threadId: "thr_1",
          callId: "call_1",
          argsHash: hashArgs({ tag: "<v2>" }),
          recipient: mail.to,
          expiresAt: NOW.getTime() / 1000 + 3600,
        },
      });
    }
  });

  it("wants the notices of agents with approvers: their pauses and their ends", () => {
    const channel = emailChannel(
      { ...config, approvers: { deploybot: ["a@b.co"] } },
      fakeTransport().transport,
    );
    expect(channel.wants(waiting("deploybot"))).toBe(true);
    expect(channel.wants(waiting("calculator"))).toBe(false);
    const done = {
      type: "thread.done",
      data: { ...waiting("deploybot").data, status: "done", version: 3 },
    };
    expect(channel.wants(done as Notice)).toBe(true);
  });

  it("tells the approvers a thread ended: its output or why it failed, escaped, once", async () => {
    // Prepare
    const { transport, sent } = fakeTransport();
    const channel = emailChannel(config, transport, { attempts: 1 });
    const failed = {
      type: "thread.failed",
      data: {
        id: "thr_9:failed:5",
        threadId: "thr_9",
        agent: "deploybot",
        status: "failed",
        version: 5,
        reason: "step 4 failed <on all 5 deliveries>",
        link: "https://api.example.com/threads/thr_9",
      },
    } as Notice;

    // Act
    await channel.deliver(failed);
    await channel.deliver(failed);

    // Assess: one mail per approver, however often the notice comes
    expect(sent.map((m) => m.to).sort()).toEqual(["cto@example.com", "lead@example.com"]);
    expect(sent[0]?.subject).toBe("[deploybot] failed: thread thr_9");
    expect(sent[0]?.text).toContain("step 4 failed <on all 5 deliveries>");
    expect(sent[0]?.html).toContain("step 4 failed &lt;on all 5 deliveries&gt;");
  });

  it("retries a failing recipient, then throws naming it; a redelivery skips who was reached", async () => {
    const { transport, sent, tries } = fakeTransport("cto@example.com", 5);
    const channel = emailChannel(config, transport, { attempts: 3, backoffMs: 1 });
    await expect(channel.deliver(waiting("deploybot"))).rejects.toThrow(
      /email did not reach 1 of 2 for notice thr_1:call_1: cto@example.com: 451 try again later/,
    );
    expect(tries.filter((t) => t === "cto@example.com")).toHaveLength(3);
    expect(sent.map((m) => m.to)).toEqual(["lead@example.com"]);

    await expect(channel.deliver(waiting("deploybot"))).resolves.toBeUndefined();
    expect(sent.map((m) => m.to)).toEqual(["lead@example.com", "cto@example.com"]);
    expect(tries.filter((t) => t === "lead@example.com")).toHaveLength(1);
  });
});

describe("Function: sesTransport", () => {
  it("hands SES v2 one raw message per recipient, from EMAIL_FROM (the real client, SES at the wire)", async () => {
    // Prepare: SES v2's SendEmail (POST /v2/email/outbound-emails) on 127.0.0.1
    const received: {
      path: string;
      body: { FromEmailAddress?: string; Content?: { Raw?: { Data?: string } } };
    }[] = [];
    const server = createServer((request, response) => {
      let raw = "";
      request.on("data", (chunk: Buffer) => {
        raw += chunk.toString();
      });
      request.on("end", () => {
        received.push({ path: request.url ?? "", body: JSON.parse(raw || "{}") });
        response
          .writeHead(200, { "content-type": "application/json" })
          .end('{"MessageId":"0100-abc"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const sesClient = new SESv2Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });

    try {
      // Act
      const channel = emailChannel(config, sesTransport({ sesClient, SendEmailCommand }));
      await channel.deliver(waiting("deploybot"));

      // Assess
      expect(received.map((r) => r.path)).toEqual([
        "/v2/email/outbound-emails",
        "/v2/email/outbound-emails",
      ]);
      const raw = Buffer.from(received[0]?.body.Content?.Raw?.Data ?? "", "base64").toString();
      expect(raw).toContain("Subject: [deploybot] approve deploy_api?");
      expect(raw).toMatch(/To: (lead|cto)@example\.com/);
    } finally {
      sesClient.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
