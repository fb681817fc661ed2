import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { emailChannel, smtpTransport } from "../../shared/channels/email/channel.ts";
import type { EmailConfig } from "../../shared/channels/email/config.ts";
import { type CapturedMail, closedPort, linkOf, startFakeSmtp } from "./email-fake-smtp.ts";
import { client, startTestStack } from "./local-stack.ts";

const SECRET = "email-link-secret-for-the-tests-0123456789";
const OPS = "ops@example.com";
const LEAD = "lead@example.com";

describe("approvals and questions by email (SMTP, signed links, the confirm page)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
  const logs: string[] = [];
  // The channel's clock: a test moves it back to mint links that are already expired.
  let shiftMs = 0;

  beforeAll(async () => {
    process.env.EMAIL_LINK_SECRET = SECRET;
    smtp = await startFakeSmtp();
    const config: EmailConfig = {
      smtpUrl: smtp.url,
      from: "Twelve <twelve@example.com>",
      approvers: { "*": [OPS, LEAD] },
      linkSecret: SECRET,
      linkTtlSeconds: 3600,
    };
    // A second channel whose SMTP server is down: its notices fail, the threads go on.
    const down = emailChannel(
      { ...config, approvers: { calculator: ["down@example.com"] } },
      smtpTransport(`smtp://127.0.0.1:${await closedPort()}`),
      { attempts: 2, backoffMs: 10 },
    );
    stack = await startTestStack({
      channels: [
        emailChannel(config, smtpTransport(smtp.url), {
          now: () => new Date(Date.now() + shiftMs),
          backoffMs: 10,
        }),
        down,
      ],
      log: (line) => logs.push(line),
    });
    api = client(stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
    delete process.env.EMAIL_LINK_SECRET;
  });

  /** The mails about `threadId`, once there are `count` of them. */
  async function mailsFor(threadId: string, count = 2): Promise<CapturedMail[]> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const found = smtp.mails.filter((mail) => mail.text.includes(threadId));
      if (found.length >= count) return found;
      await sleep(50);
    }
    throw new Error(`no ${count} mails for ${threadId}: ${smtp.mails.length} in all`);
  }

  const linkFor = (mails: CapturedMail[], to: string) => {
    const mail = mails.find((m) => m.to.includes(to));
    if (!mail) throw new Error(`no mail to ${to}`);
    return linkOf(mail);
  };

  const post = (link: string, form: Record<string, string>) =>
    fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });

  async function waitingDivision() {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    return { threadId: body.threadId as string, waiting, mails: await mailsFor(body.threadId) };
  }

  it("sends each approver the call, its arguments and a link of their own", async () => {
    const { threadId, mails } = await waitingDivision();
    expect(mails.map((m) => m.to).sort()).toEqual([[LEAD], [OPS]]);
    for (const mail of mails) {
      expect(mail.text).toContain("Subject: [calculator] approve divide?");
      expect(mail.text).toContain("Call: divide");
      expect(mail.text).toMatch(/"a": 8,\s+"b": 2/);
      expect(linkOf(mail)).toMatch(new RegExp(`^${stack.url}/email/decisions\\?t=`));
    }
    expect(linkFor(mails, OPS)).not.toBe(linkFor(mails, LEAD));
    expect(threadId).toBeTruthy();
  });

  it("GET shows the call with Approve and Reject, and changes nothing", async () => {
    const { threadId, waiting, mails } = await waitingDivision();
    const response = await fetch(linkFor(mails, OPS));
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(response.headers.get("content-security-policy")).not.toContain("script-src 'self'");
    expect(html).toContain("<code>divide</code>");
    expect(html).toContain('value="approve">Approve</button>');
    expect(html).toContain('value="reject">Reject</button>');
    expect(html).toContain(OPS);
    expect(html).not.toContain("<script");
    const after = await api.get(threadId);
    expect(after.body.status).toBe("waiting_for_approval");
    expect(after.body.version).toBe(waiting.version);
  });

  it("POST approve records the decision by the recipient, via email; the thread goes on to done; the links are used", async () => {
    const { threadId, mails } = await waitingDivision();
    const response = await post(linkFor(mails, OPS), { decision: "approve", comment: "" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Approved");
    const done = await api.waitFor(threadId, "done");
    expect(done.output).toContain("4");
    const decision = done.events.find((e) => e.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: OPS, via: "email" });
    expect(decision?.data).toMatchObject({ approved: true });

    // Used: the call is answered, so both links (this one again, and the other approver's) refuse.
    for (const link of [linkFor(mails, OPS), linkFor(mails, LEAD)]) {
      const again = await post(link, { decision: "reject" });
      expect(again.status).toBe(409);
      expect(await again.text()).toContain("Already answered");
      expect((await fetch(link)).status).toBe(409);
    }
    const after = await api.get(threadId);
    expect(after.body.version).toBe(done.version);
    expect(
      after.body.events.filter((e: { type: string }) => e.type === "approval_decision"),
    ).toHaveLength(1);
  });

  it("POST reject keeps the comment; the agent hears the reason", async () => {
    const { threadId, mails } = await waitingDivision();
    const response = await post(linkFor(mails, LEAD), { decision: "reject", comment: "not today" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Rejected");
    // The calculator asks what to compute instead, quoting the rejection's comment.
    const asked = await api.waitFor(threadId, "waiting_for_human");
    const decision = asked.events.find((e) => e.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: LEAD, via: "email" });
    expect(decision?.data).toMatchObject({ approved: false, comment: "not today" });
    expect(asked.pending?.message).toContain("not today");
  });

  it("refuses a tampered link with a 403 page, and changes nothing", async () => {
    const { threadId, waiting, mails } = await waitingDivision();
    const link = linkFor(mails, OPS);
    const [base, token = ""] = link.split("?t=");
    const [payload = "", signature = ""] = token.split(".");
    const otherRecipient = Buffer.from(
      Buffer.from(payload, "base64url").toString().replace(OPS, "mallory@example.com"),
    ).toString("base64url");
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    for (const bad of [`${otherRecipient}.${signature}`, `${payload}.${flipped}`]) {
      const shown = await fetch(`${base}?t=${bad}`);
      expect(shown.status).toBe(403);
      expect(await shown.text()).toContain("Nothing was changed.");
      expect((await post(`${base}?t=${bad}`, { decision: "approve" })).status).toBe(403);
    }
    expect((await post(`${base}?t=garbage`, { decision: "approve" })).status).toBe(400);
    expect((await post(`${base}`, { decision: "approve" })).status).toBe(400);
    const after = await api.get(threadId);
    expect(after.body.status).toBe("waiting_for_approval");
    expect(after.body.version).toBe(waiting.version);
  });

  it("refuses an expired link with a 410 page, and changes nothing", async () => {
    shiftMs = -2 * 3600_000; // links minted two hours ago, good for one
    const { threadId, waiting, mails } = await waitingDivision().finally(() => {
      shiftMs = 0;
    });
    const link = linkFor(mails, OPS);
    expect((await fetch(link)).status).toBe(410);
    const response = await post(link, { decision: "approve" });
    expect(response.status).toBe(410);
    expect(await response.text()).toContain("expired");
    const after = await api.get(threadId);
    expect(after.body.status).toBe("waiting_for_approval");
    expect(after.body.version).toBe(waiting.version);
  });

  it("emails a question; the reply page's POST answers it", async () => {
    const { body } = await api.launch("calculator", "add some numbers for me");
    const waiting = await api.waitFor(body.threadId, "waiting_for_human");
    const mails = await mailsFor(body.threadId);
    expect(mails[0]?.text).toContain("Subject: [calculator] a question:");
    const link = linkFor(mails, LEAD);
    const page = await fetch(link);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('name="response"');
    expect(html).toContain(waiting.pending?.message ?? "(no message)");
    expect((await api.get(body.threadId)).body.version).toBe(waiting.version);

    expect((await post(link, { response: "  " })).status).toBe(400);
    const answered = await post(link, { response: "2 + 5" });
    expect(answered.status).toBe(200);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("2 + 5 = 7");
    const reply = done.events.find((e) => e.type === "human_response");
    expect(reply?.by).toEqual({ principal: LEAD, via: "email" });
    expect((await post(link, { response: "2 + 5" })).status).toBe(409);
  });

  it("a channel whose SMTP server is down fails its notices after its retries; the steps are unaffected", async () => {
    const { threadId, waiting } = await waitingDivision();
    const deadline = Date.now() + 5_000;
    const failure = () =>
      logs.find((l) => l.includes("down@example.com") && l.includes(`${threadId}:`));
    while (!failure() && Date.now() < deadline) await sleep(50);
    expect(failure()).toMatch(/notify failed: .*email did not reach 1 of 1 .*down@example\.com/);
    // The thread waits as it should, and the working channel's link still decides it.
    expect(waiting.status).toBe("waiting_for_approval");
    const mails = await mailsFor(threadId);
    expect((await post(linkFor(mails, OPS), { decision: "approve" })).status).toBe(200);
    await api.waitFor(threadId, "done");
  });
});
