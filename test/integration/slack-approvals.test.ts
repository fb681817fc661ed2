import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { slackChannel } from "../../shared/channels/slack/channel.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";
import {
  eventually,
  type Posted,
  SIGNING_SECRET,
  fromSlack as signedRequest,
  startFakeSlack,
  TOKEN,
} from "./slack-fake.ts";

const CHANNEL = "C0APPROVALS";

describe("Slack: approvals and questions (the real @slack/web-api against Slack at the wire)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    slack = await startFakeSlack();
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
    });
    stack = await startTestStack({
      channels: [
        slackChannel({ botToken: TOKEN, channel: CHANNEL, channels: {}, apiUrl: slack.apiUrl }),
      ],
    });
    api = client(stack);
  });
  afterAll(async () => {
    process.env = saved;
    await stack?.stop();
    await slack?.stop();
  });

  const fromSlack = (path: string, body: string, options?: Parameters<typeof signedRequest>[3]) =>
    signedRequest(stack.url, path, body, options);
  const interact = (payload: unknown, options?: Parameters<typeof fromSlack>[2]) =>
    fromSlack(
      "/slack/interactions",
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      options,
    );

  /** The message posted for `threadId`'s pause (polls: notices are delivered beside the step). */
  const postedFor = (threadId: string): Promise<Posted> =>
    eventually(
      () => slack.messages.find((m) => m.metadata?.event_payload.threadId === threadId),
      `a Slack message for ${threadId}`,
    );
  const buttons = (message: Posted) =>
    message.blocks?.find((block) => block.type === "actions")?.elements ?? [];
  const click = (message: Posted, label: string, user = "U0ALICE") => {
    const button = buttons(message).find((b) => b.text.text === label);
    return {
      type: "block_actions",
      user: { id: user, username: "alice" },
      trigger_id: "13345224609.738474920.8088930838d88f008e0",
      container: { type: "message", channel_id: message.channel, message_ts: message.ts },
      channel: { id: message.channel },
      message: { ts: message.ts },
      actions: [
        {
          action_id: button?.action_id,
          value: button?.value,
          type: "button",
        },
      ],
    };
  };
  const submit = (
    view: { callback_id: string; private_metadata: string },
    text: string,
    user = "U0ALICE",
  ) => ({
    type: "view_submission",
    user: { id: user },
    view: {
      ...view,
      state: { values: { twelve_input: { text: { type: "plain_text_input", value: text } } } },
    },
  });
  const lastCall = (method: string) => slack.calls.filter((c) => c.method === method).at(-1);

  it("answers url_verification, and refuses unsigned, stale or wrongly signed requests with 401, changing nothing", async () => {
    const challenge = JSON.stringify({
      type: "url_verification",
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV",
    });
    const verified = await fromSlack("/slack/events", challenge);
    expect([verified.status, JSON.parse(verified.text)]).toEqual([
      200,
      { challenge: "3eZbrw1aBm2rZgRNFdxV" },
    ]);

    const { body } = await api.launch("calculator", "What is 8 / 2?");
    await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    const before = await storeSnapshot(stack);
    const calls = slack.calls.length;
    const approve = click(message, "Approve");
    const refused = [
      await interact(approve, { unsigned: true }),
      await interact(approve, { at: Math.floor(Date.now() / 1000) - 301 }),
      await interact(approve, { secret: "not-the-secret" }),
      await fromSlack("/slack/events", challenge, { secret: "not-the-secret" }),
    ];
    expect(refused.map((r) => [r.status, JSON.parse(r.text).error.code])).toEqual([
      [401, "unsigned"],
      [401, "stale_signature"],
      [401, "bad_signature"],
      [401, "bad_signature"],
    ]);
    expect(await storeSnapshot(stack)).toEqual(before);
    expect(slack.calls.length).toBe(calls);
    expect((await api.get(body.threadId)).body.status).toBe("waiting_for_approval");
  });

  it("posts the approval with the tool, its arguments, the console's link and Approve/Reject; Approve records who and the thread goes on", async () => {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    const post = slack.calls.find(
      (c) =>
        c.method === "chat.postMessage" &&
        c.body.blocks &&
        JSON.stringify(c.body.metadata).includes(body.threadId),
    );
    expect(post?.token).toBe(TOKEN);
    expect(message.channel).toBe(CHANNEL);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain("divide");
    expect(shown).toContain(`${stack.url}/console/threads/${body.threadId}`);
    for (const [key, value] of Object.entries(waiting.pending?.args as object)) {
      expect(shown).toContain(`\\"${key}\\": ${JSON.stringify(value)}`);
    }
    expect(buttons(message).map((b) => b.text.text)).toEqual(["Approve", "Reject"]);
    expect(message.metadata).toMatchObject({
      event_type: "twelve_thread_waiting",
      event_payload: { threadId: body.threadId, callId: waiting.pending?.callId },
    });

    const answer = await interact(click(message, "Approve"));
    expect(answer.status).toBe(200);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("8 / 2 = 4");
    const decision = done.events.find((e) => e.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: "U0ALICE", via: "slack" });
    expect(decision?.data).toMatchObject({ callId: waiting.pending?.callId, approved: true });
    const update = lastCall("chat.update");
    expect(update?.body).toMatchObject({ channel: CHANNEL, ts: message.ts });
    expect(String(update?.body.text)).toMatch(/Approved by <@U0ALICE>/);

    // A second click (someone else, later) records nothing and tells only that person.
    const again = await interact(click(message, "Approve", "U0BOB"));
    expect(again.status).toBe(200);
    expect(lastCall("chat.postEphemeral")?.body).toMatchObject({ user: "U0BOB", channel: CHANNEL });
    expect(String(lastCall("chat.postEphemeral")?.body.text)).toMatch(
      /already answered by U0ALICE/,
    );
    // A late Reject, even by the approver, keeps its modal open and changes nothing.
    const updates = slack.calls.filter((c) => c.method === "chat.update").length;
    await interact(click(message, "Reject"));
    const view = lastCall("views.open")?.body.view as {
      callback_id: string;
      private_metadata: string;
    };
    const late = await interact(submit(view, "changed my mind"));
    expect(JSON.parse(late.text)).toEqual({
      response_action: "errors",
      errors: { twelve_input: "Nothing recorded: already answered by U0ALICE" },
    });
    expect(slack.calls.filter((c) => c.method === "chat.update")).toHaveLength(updates);
    expect(
      (await api.get(body.threadId)).body.events.filter(
        (e: { type: string }) => e.type === "approval_decision",
      ),
    ).toHaveLength(1);
  });

  it("Reject opens a modal (views.open) whose submission records the rejection with its comment", async () => {
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    expect((await interact(click(message, "Reject", "U0CAROL"))).status).toBe(200);
    const open = lastCall("views.open");
    expect(open?.body.trigger_id).toBe("13345224609.738474920.8088930838d88f008e0");
    const view = open?.body.view as { callback_id: string; private_metadata: string; type: string };
    expect(view.type).toBe("modal");
    expect((await api.get(body.threadId)).body.status).toBe("waiting_for_approval");

    const submitted = await interact(submit(view, "Not today, the numbers look off", "U0CAROL"));
    expect([submitted.status, submitted.text]).toEqual([200, ""]);
    const after = await api.waitFor(body.threadId, [
      "done",
      "running",
      "waiting_for_human",
      "waiting_for_approval",
      "failed",
    ]);
    const decision = after.events.find((e) => e.type === "approval_decision");
    expect(decision?.by).toEqual({ principal: "U0CAROL", via: "slack" });
    expect(decision?.data).toMatchObject({
      callId: waiting.pending?.callId,
      approved: false,
      comment: "Not today, the numbers look off",
    });
    const update = lastCall("chat.update");
    expect(update?.body).toMatchObject({ channel: CHANNEL, ts: message.ts });
    expect(String(update?.body.text)).toMatch(/Rejected by <@U0CAROL>/);
  });

  it("posts a question with Reply; the modal's submission answers it and the thread is done", async () => {
    const { body } = await api.launch("calculator", "add some numbers for me");
    const asked = await api.waitFor(body.threadId, "waiting_for_human");
    const message = await postedFor(body.threadId);
    expect(buttons(message).map((b) => b.text.text)).toEqual(["Reply"]);
    if (asked.pending?.message)
      expect(JSON.stringify(message.blocks)).toContain(asked.pending.message);

    expect((await interact(click(message, "Reply", "U0DAVE"))).status).toBe(200);
    const view = lastCall("views.open")?.body.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect((await interact(submit(view, "2 + 5", "U0DAVE"))).status).toBe(200);
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("2 + 5 = 7");
    const response = done.events.find((e) => e.type === "human_response");
    expect(response?.by).toEqual({ principal: "U0DAVE", via: "slack" });
    expect(response?.data).toEqual({ callId: asked.pending?.callId, response: "2 + 5" });
    expect(String(lastCall("chat.update")?.body.text)).toMatch(/Answered by <@U0DAVE>/);
  });

  it("refuses a signed interaction whose ids are too long with 400 naming the field, changing nothing", async () => {
    // Prepare: an approval waiting, its message's Approve and Reject
    const { body } = await api.launch("calculator", "What is 9 / 3?");
    await api.waitFor(body.threadId, "waiting_for_approval");
    const message = await postedFor(body.threadId);
    expect((await interact(click(message, "Reject"))).status).toBe(200);
    const view = lastCall("views.open")?.body.view as {
      callback_id: string;
      private_metadata: string;
    };
    const before = await storeSnapshot(stack);
    const long = "x".repeat(3_000);
    const approve = click(message, "Approve");
    const ref = JSON.parse(String(approve.actions[0]?.value)) as Record<string, string>;
    const modal = JSON.parse(view.private_metadata) as Record<string, string>;

    // Act
    const named = [
      ["user.id", await interact({ ...approve, user: { id: long } })],
      ["trigger_id", await interact({ ...approve, trigger_id: long })],
      [
        "container.channel_id",
        await interact({ ...approve, container: { ...approve.container, channel_id: long } }),
      ],
      [
        "container.message_ts",
        await interact({ ...approve, container: { ...approve.container, message_ts: long } }),
      ],
      ["team.id", await interact({ ...approve, team: { id: long } })],
      ["view.callback_id", await interact(submit({ ...view, callback_id: long }, "no"))],
    ] as const;
    const notOurs = [
      // A reference this app never writes: a button's is ignored, a modal's refused.
      await interact({
        ...approve,
        actions: [{ ...approve.actions[0], value: JSON.stringify({ ...ref, t: long }) }],
      }),
      await interact(
        submit({ ...view, private_metadata: JSON.stringify({ ...modal, t: long }) }, "no"),
      ),
      await interact(
        submit({ ...view, private_metadata: JSON.stringify({ ...modal, ts: long }) }, "no"),
      ),
    ];

    // Assess
    for (const [name, answer] of named) {
      const { error } = JSON.parse(answer.text) as { error: { code: string; message: string } };
      expect([answer.status, error.code], name).toEqual([400, "invalid_body"]);
      expect(error.message).toContain(name);
    }
    expect(notOurs.map((answer) => answer.status)).toEqual([200, 400, 400]);
    expect(await storeSnapshot(stack)).toEqual(before);
    expect((await api.get(body.threadId)).body.status).toBe("waiting_for_approval");
  });
});
