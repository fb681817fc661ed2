import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackChannel } from "../../functions/channels/slack/channel.ts";
import { signSlack } from "../../functions/channels/slack/signature.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TOKEN = "xoxb-test-token";
const CHANNEL = "C0APPROVALS";

interface Call {
  method: string;
  token: string | undefined;
  body: Record<string, unknown>;
}
interface Posted {
  channel: string;
  ts: string;
  text?: string;
  thread_ts?: string;
  blocks?: { type: string; elements?: { text: { text: string }; value: string }[] }[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Form fields the SDK sends JSON-encoded (blocks, metadata, view) are decoded back. */
const decode = (value: string): unknown => {
  try {
    return /^[[{]/.test(value) ? JSON.parse(value) : value;
  } catch {
    return value;
  }
};

/**
 * Slack's Web API at the wire, on 127.0.0.1: it records every call (form or JSON bodies, as the
 * SDK sends them), keeps posted messages per channel, and answers as Slack does.
 */
async function startFakeSlack() {
  const calls: Call[] = [];
  const messages: Posted[] = [];
  let clock = 1_700_000_000;
  const server: Server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    request.on("end", () => {
      const method = (request.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
      const body: Record<string, unknown> = String(request.headers["content-type"]).includes("json")
        ? (JSON.parse(raw || "{}") as Record<string, unknown>)
        : Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, decode(v)]));
      calls.push({ method, token: request.headers.authorization?.replace("Bearer ", ""), body });
      const channel = String(body.channel ?? "");
      let answer: Record<string, unknown> = { ok: true };
      if (method === "chat.postMessage") {
        const ts = `${++clock}.000100`;
        messages.push({ ...(body as Omit<Posted, "ts">), channel, ts });
        answer = { ok: true, channel, ts, message: { ts } };
      } else if (method === "chat.update") {
        answer = { ok: true, channel, ts: body.ts };
      } else if (method === "chat.postEphemeral") {
        answer = { ok: true, message_ts: `${++clock}.000200` };
      } else if (method === "views.open") {
        answer = { ok: true, view: { id: "V0MODAL", ...(body.view as object) } };
      } else if (method === "conversations.history") {
        const inChannel = messages.filter((m) => m.channel === channel && !m.thread_ts);
        answer = { ok: true, messages: inChannel.reverse() };
      } else if (method === "conversations.replies") {
        const parent = messages.filter((m) => m.ts === body.ts);
        const replies = messages.filter((m) => m.thread_ts === body.ts);
        answer = { ok: true, messages: [...parent, ...replies] };
      } else {
        answer = { ok: false, error: "unknown_method" };
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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

  /** A request to `/slack/*` signed as Slack signs it (`at`: seconds, default now). */
  const fromSlack = async (
    path: string,
    body: string,
    options: { secret?: string; at?: number; unsigned?: boolean } = {},
  ) => {
    const timestamp = String(options.at ?? Math.floor(Date.now() / 1000));
    const response = await fetch(`${stack.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": path.endsWith("interactions")
          ? "application/x-www-form-urlencoded"
          : "application/json",
        ...(options.unsigned
          ? {}
          : {
              "x-slack-request-timestamp": timestamp,
              "x-slack-signature": signSlack(options.secret ?? SIGNING_SECRET, timestamp, body),
            }),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, text };
  };
  const interact = (payload: unknown, options?: Parameters<typeof fromSlack>[2]) =>
    fromSlack(
      "/slack/interactions",
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      options,
    );

  /** The message posted for `threadId`'s pause (polls: notices are delivered beside the step). */
  const postedFor = async (threadId: string): Promise<Posted> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const found = slack.messages.find((m) => m.metadata?.event_payload.threadId === threadId);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no Slack message for ${threadId}`);
  };
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
          action_id:
            button?.value && label === "Approve"
              ? "twelve_approve"
              : label === "Reject"
                ? "twelve_reject"
                : "twelve_reply",
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
});
