import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { Notice } from "../../shared/channels/notices.ts";
import { slackChannel } from "../../shared/channels/slack/channel.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";
import {
  eventually,
  fromSlack,
  type Posted,
  SIGNING_SECRET,
  startFakeSlack,
  TOKEN,
} from "./slack-fake.ts";

const CHANNEL = "C0DEFAULT";
const DEPLOYS = "C0DEPLOYS";

describe("Slack: thread replies, mentions, per-agent channels, redelivered notices", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  const saved = { ...process.env };
  let mentions = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
    });
    const config = {
      botToken: TOKEN,
      channel: CHANNEL,
      channels: { deploybot: DEPLOYS },
      apiUrl: slack.apiUrl,
    };
    stack = await startTestStack({ channels: [slackChannel(config)] });
    api = client(stack);
  });
  afterAll(async () => {
    process.env = saved;
    await stack?.stop();
    await slack?.stop();
  });

  const event = (
    inner: Record<string, unknown>,
    options: { eventId?: string; headers?: Record<string, string> } = {},
  ) =>
    fromSlack(
      stack.url,
      "/slack/events",
      JSON.stringify({
        type: "event_callback",
        team_id: "T0TEAM",
        event_id: options.eventId ?? `Ev${++mentions}`,
        event: { user: "U0ERIN", channel: CHANNEL, ...inner },
      }),
      options.headers ? { headers: options.headers } : {},
    );
  const postedFor = (threadId: string): Promise<Posted> =>
    eventually(
      () => slack.messages.find((m) => m.metadata?.event_payload.threadId === threadId),
      `a Slack message for ${threadId}`,
    );

  it("takes a reply in the question's Slack thread as the answer, from that Slack user", async () => {
    const { body } = await api.launch("calculator", "add some numbers for me");
    const asked = await api.waitFor(body.threadId, "waiting_for_human");
    const message = await postedFor(body.threadId);
    const answer = await event({
      type: "message",
      text: "2 + 5",
      ts: "1800000000.000001",
      thread_ts: message.ts,
    });
    expect(answer.status).toBe(200);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("2 + 5 = 7");
    const response = done.events.find((e) => e.type === "human_response");
    expect(response?.by).toEqual({ principal: "U0ERIN", via: "slack" });
    expect(response?.data).toEqual({ callId: asked.pending?.callId, response: "2 + 5" });
  });

  it("says in the Slack thread why a reply to a pending approval is not passed on; ignores bots", async () => {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    await event({
      type: "message",
      text: "hurry",
      bot_id: "B0OTHER",
      ts: "1800000000.000002",
      thread_ts: message.ts,
    });
    expect(slack.messages.filter((m) => m.thread_ts === message.ts)).toEqual([]);
    await event({ type: "message", text: "hurry", ts: "1800000000.000003", thread_ts: message.ts });
    const said = slack.messages.find((m) => m.thread_ts === message.ts);
    expect(said?.text).toMatch(/^Not passed on: the thread waits for a decision first/);
    expect((await api.get(body.threadId)).body.status).toBe("waiting_for_approval");
  });

  it("launches the agent a mention names, once per event id, and takes replies in its thread", async () => {
    const ts = "1800000000.000010";
    const mention = {
      type: "app_mention",
      text: "<@U0BOT> calculator What is 3 + 4?",
      ts,
    };
    expect((await event(mention, { eventId: "EvMention1" })).status).toBe(200);
    const retry = { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" };
    expect((await event(mention, { eventId: "EvMention1", headers: retry })).status).toBe(200);
    const started = slack.messages.filter((m) => m.thread_ts === ts);
    expect(started).toHaveLength(1);
    const threadId = String(started[0]?.metadata?.event_payload.threadId);
    const done = await api.waitFor(threadId, "done");
    expect(done.output).toBe("3 + 4 = 7");
    expect(done.events[0]?.by).toEqual({ principal: "U0ERIN", via: "slack" });

    await event({ type: "message", text: "And 7 * 2?", ts: "1800000000.000011", thread_ts: ts });
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if ((await api.get(threadId)).body.output === "7 * 2 = 14") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const next = await api.get(threadId);
    expect(next.body.output).toBe("7 * 2 = 14");
    const messages = next.body.events.filter((e: { type: string }) => e.type === "user_message");
    expect(messages.at(-1)?.by).toEqual({ principal: "U0ERIN", via: "slack" });
  });

  it("posts an agent's pauses to its own channel (SLACK_CHANNELS), and a redelivered notice once", async () => {
    const { body } = await api.launch("deploybot", "Deploy v1.1.0 to the backend");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    expect(message.channel).toBe(DEPLOYS);

    const notice: Notice = {
      type: "thread.waiting",
      data: {
        id: `${body.threadId}:${waiting.pending?.callId}`,
        threadId: body.threadId,
        agent: "deploybot",
        status: "waiting_for_approval",
        kind: "approval",
        callId: String(waiting.pending?.callId),
        tool: String(waiting.pending?.tool),
        args: waiting.pending?.args,
        link: `${stack.url}/threads/${body.threadId}`,
      },
    };
    const channel = slackChannel({
      botToken: TOKEN,
      channel: CHANNEL,
      channels: { deploybot: DEPLOYS },
      apiUrl: slack.apiUrl,
    });
    await channel.deliver(notice);
    expect(
      slack.messages.filter((m) => m.metadata?.event_payload.threadId === body.threadId),
    ).toHaveLength(1);
  });

  it("posts a thread's end, its output and the console's link, once however often it is delivered", async () => {
    // Prepare
    const channel = slackChannel({
      botToken: TOKEN,
      channel: CHANNEL,
      channels: {},
      apiUrl: slack.apiUrl,
    });
    const done: Notice = {
      type: "thread.done",
      data: {
        id: "thr_ended:done:4",
        threadId: "thr_ended",
        agent: "calculator",
        status: "done",
        version: 4,
        output: "3 + 4 = 7 <b>",
        link: `${stack.url}/threads/thr_ended`,
      },
    };

    // Act
    expect(channel.wants(done)).toBe(true);
    await channel.deliver(done);
    await channel.deliver(done);

    // Assess
    const posted = slack.messages.filter((m) => m.metadata?.event_payload.threadId === "thr_ended");
    expect(posted).toHaveLength(1);
    expect(posted[0]?.metadata).toEqual({
      event_type: "twelve_thread_ended",
      event_payload: { noticeId: "thr_ended:done:4", threadId: "thr_ended", status: "done" },
    });
    const section = JSON.stringify(posted[0]?.blocks);
    expect(section).toContain("3 + 4 = 7 &lt;b&gt;");
    expect(section).toContain(`${stack.url}/console/threads/thr_ended`);
  });

  it("refuses a signed event whose ids are too long with 400 naming the field; nothing starts", async () => {
    // Prepare
    const long = "x".repeat(3_000);
    const mention = { type: "app_mention", text: "<@U0BOT> calculator What is 1 + 2?" };
    const threads = Object.keys(await storeSnapshot(stack)).length;

    // Act
    const answers = [
      ["event_id", await event({ ...mention, ts: "1800000001.000001" }, { eventId: long })],
      ["user", await event({ ...mention, ts: "1800000001.000002", user: long })],
      ["channel", await event({ ...mention, ts: "1800000001.000003", channel: long })],
      ["ts", await event({ ...mention, ts: long })],
      [
        "thread_ts",
        await event({ type: "message", text: "hi", ts: "1800000001.000004", thread_ts: long }),
      ],
    ] as const;

    // Assess
    for (const [name, answer] of answers) {
      const { error } = JSON.parse(answer.text) as { error: { code: string; message: string } };
      expect([answer.status, error.code], name).toEqual([400, "invalid_body"]);
      expect(error.message).toContain(name);
    }
    expect(slack.messages.filter((m) => m.thread_ts?.startsWith("1800000001."))).toEqual([]);
    expect(Object.keys(await storeSnapshot(stack))).toHaveLength(threads);
  });
});
