import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";
import { fromSlack, SIGNING_SECRET, startFakeSlack, TOKEN } from "./slack-fake.ts";

describe("Slack: a slash command launches an agent", () => {
  let stack: LocalStack;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    slack = await startFakeSlack();
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_AGENT: "calculator",
    });
    stack = await startTestStack({ channels: [] });
  });
  afterAll(async () => {
    process.env = saved;
    await stack?.stop();
    await slack?.stop();
  });

  const command = (text: string, trigger: string) =>
    fromSlack(
      stack.url,
      "/slack/commands",
      new URLSearchParams({
        command: "/twelve",
        text,
        user_id: "U0ERIN",
        channel_id: "C0DEFAULT",
        trigger_id: trigger,
      }).toString(),
      { headers: { "content-type": "application/x-www-form-urlencoded" } },
    );

  it("starts the named agent (or SLACK_AGENT) as the Slack user, once per trigger_id", async () => {
    // Act
    const first = await command(
      "calculator What is 6 * 7?",
      "13345224609.738474920.8088930838d88f008e0",
    );
    const again = await command(
      "calculator What is 6 * 7?",
      "13345224609.738474920.8088930838d88f008e0",
    );
    const fallback = await command("What is 1 + 1?", "13345224610.738474920.8088930838d88f008e1");

    // Assess
    expect(first.status).toBe(200);
    const answer = JSON.parse(first.text) as { response_type: string; text: string };
    expect(answer.response_type).toBe("ephemeral");
    const threadId = /\/console\/threads\/(thr_[\w-]+)/.exec(answer.text)?.[1] ?? "";
    expect(JSON.parse(again.text).text).toContain(threadId);
    const done = await client(stack).waitFor(threadId, "done");
    expect(done.output).toBe("6 * 7 = 42");
    expect(done.events[0]?.by).toEqual({ principal: "U0ERIN", via: "slack" });
    expect(JSON.parse(fallback.text).text).toMatch(/^Started calculator: /);
  });

  it("refuses an unsigned or wrongly signed command with 401, and says how to use an empty one", async () => {
    const before = await storeSnapshot(stack);
    const body = new URLSearchParams({
      command: "/twelve",
      text: "What is 2 + 2?",
      user_id: "U0ERIN",
      trigger_id: "t1",
    }).toString();
    const form = { headers: { "content-type": "application/x-www-form-urlencoded" } };
    expect(
      (await fromSlack(stack.url, "/slack/commands", body, { ...form, unsigned: true })).status,
    ).toBe(401);
    expect(
      (await fromSlack(stack.url, "/slack/commands", body, { ...form, secret: "not-the-secret" }))
        .status,
    ).toBe(401);
    expect(await storeSnapshot(stack)).toEqual(before);
    const empty = await command("", "t2");
    expect(JSON.parse(empty.text).text).toMatch(
      /^Say `\/twelve <agent> <message>`; agents: calculator/,
    );
  });

  it("refuses a signed command whose ids are too long with 400 naming the field, changing nothing", async () => {
    // Prepare
    const before = await storeSnapshot(stack);
    const long = "x".repeat(3_000);
    const fields = {
      command: "/twelve",
      text: "What is 2 + 2?",
      user_id: "U0ERIN",
      team_id: "T0TEAM",
      channel_id: "C0DEFAULT",
      trigger_id: "13345224611.738474920.8088930838d88f008e2",
    };
    const form = { headers: { "content-type": "application/x-www-form-urlencoded" } };

    // Act
    const answers = [];
    for (const name of ["trigger_id", "user_id", "team_id", "channel_id"]) {
      const body = new URLSearchParams({ ...fields, [name]: long }).toString();
      answers.push([name, await fromSlack(stack.url, "/slack/commands", body, form)] as const);
    }

    // Assess
    for (const [name, answer] of answers) {
      const { error } = JSON.parse(answer.text) as { error: { code: string; message: string } };
      expect([answer.status, error.code], name).toEqual([400, "invalid_body"]);
      expect(error.message).toContain(name);
    }
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("answers a message past the API's 32,000 characters ephemerally, naming the limit; nothing starts", async () => {
    // Prepare
    const before = await storeSnapshot(stack);

    // Act
    const answer = await command(`calculator ${"1 + 1 ".repeat(6_700)}`, "13345224612.73.8e3");

    // Assess
    const said = JSON.parse(answer.text) as { response_type: string; text: string };
    expect([answer.status, said.response_type]).toEqual([200, "ephemeral"]);
    expect(said.text).toMatch(/32,000 characters/);
    expect(await storeSnapshot(stack)).toEqual(before);
  });
});
