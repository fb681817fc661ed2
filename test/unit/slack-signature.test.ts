import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RouteContext } from "../../functions/api/route.ts";
import { handleSlackEvents, handleSlackInteractions } from "../../functions/api/slack/http.ts";
import { signSlack, verifySlackSignature } from "../../functions/api/slack/signature.ts";
import { readSlackConfig, slackSettingsOfSecret } from "../../shared/channels/slack/config.ts";
import {
  consoleLink,
  decidedMessage,
  endedMessage,
  waitingMessage,
} from "../../shared/channels/slack/messages.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";

// Slack's documented example: docs.slack.dev, "Verifying requests from Slack".
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const AT = new Date(Number(TIMESTAMP) * 1000);

/** What `verifySlackSignature` throws: its code, or "accepted". */
function outcome(input: Partial<Parameters<typeof verifySlackSignature>[0]>): string {
  try {
    verifySlackSignature({
      secret: SECRET,
      timestamp: TIMESTAMP,
      signature: SIGNATURE,
      body: BODY,
      now: AT,
      ...input,
    });
    return "accepted";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("Function: verifySlackSignature", () => {
  it("verifies Slack's documented example (a fixed clock at its timestamp)", () => {
    expect(signSlack(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(outcome({})).toBe("accepted");
    expect(outcome({ now: new Date(AT.getTime() + 299_000) })).toBe("accepted");
  });

  it("refuses a missing header, an old or future timestamp, another body or secret", () => {
    expect(outcome({ signature: undefined })).toBe("unsigned");
    expect(outcome({ timestamp: undefined })).toBe("unsigned");
    expect(outcome({ now: new Date(AT.getTime() + 301_000) })).toBe("stale_signature");
    expect(outcome({ now: new Date(AT.getTime() - 301_000) })).toBe("stale_signature");
    expect(outcome({ timestamp: "1531420618.5" })).toBe("stale_signature");
    expect(outcome({ body: `${BODY}&x=1` })).toBe("bad_signature");
    expect(outcome({ secret: "another" })).toBe("bad_signature");
    expect(outcome({ signature: SIGNATURE.toUpperCase() })).toBe("bad_signature");
  });
});

describe("Function: readSlackConfig", () => {
  it("is off with no SLACK_ variable, and names what is missing or wrong otherwise", () => {
    expect(readSlackConfig({})).toBeNull();
    expect(() => readSlackConfig({ SLACK_CHANNEL: "C1" })).toThrow(
      /SLACK_BOT_TOKEN: is required; SLACK_SIGNING_SECRET: is required/,
    );
    expect(() =>
      readSlackConfig({ SLACK_BOT_TOKEN: "x", SLACK_SIGNING_SECRET: "s", SLACK_CHANNELS: "{" }),
    ).toThrow(/SLACK_CHANNELS: is not JSON/);
  });

  it("reads the per-agent channels and the API's base", () => {
    const config = readSlackConfig({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      SLACK_CHANNEL: "C1",
      SLACK_CHANNELS: '{"deploybot": "C2"}',
      SLACK_API_URL: "http://127.0.0.1:9/api/",
    });
    expect(config).toEqual({
      botToken: "xoxb-1",
      signingSecret: "s",
      channel: "C1",
      channels: { deploybot: "C2" },
      apiUrl: "http://127.0.0.1:9/api/",
    });
  });
});

describe("Function: slackSettingsOfSecret", () => {
  it("takes the SLACK_ settings of a secret's JSON and refuses anything else, naming the ARN variable", () => {
    expect(
      slackSettingsOfSecret(
        '{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "OTHER": "x"}',
      ),
    ).toEqual({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" });
    expect(() => slackSettingsOfSecret("xoxb-1")).toThrow(
      /SLACK_SECRET_ARN: the secret is not JSON/,
    );
    expect(() => slackSettingsOfSecret('{"SLACK_BOT_TOKEN": 1}')).toThrow(/SLACK_SECRET_ARN/);
  });
});

describe("Function: waitingMessage", () => {
  const notice = {
    id: "thr_1:call_1",
    threadId: "thr_1",
    agent: "calculator",
    status: "waiting_for_approval" as const,
    kind: "approval" as const,
    callId: "call_1",
    tool: "divide",
    args: { a: 8, b: 2 },
    link: "https://api.example.com/prod/threads/thr_1",
  };

  it("links to the console, shows the arguments, and carries the call in buttons and metadata", () => {
    const message = waitingMessage(notice);
    const text = JSON.stringify(message.blocks);
    expect(consoleLink(notice.link)).toBe("https://api.example.com/prod/console/threads/thr_1");
    expect(text).toContain("https://api.example.com/prod/console/threads/thr_1");
    expect(text).toContain('\\"a\\": 8');
    const actions = message.blocks.find((block) => block.type === "actions");
    expect(
      actions?.type === "actions" &&
        actions.elements.map((e) => e.type === "button" && e.text.text),
    ).toEqual(["Approve", "Reject"]);
    expect(message.metadata.event_payload).toMatchObject({ threadId: "thr_1", callId: "call_1" });
  });

  it("posts an escalation as one for an operator, not as a question from the customer", () => {
    const message = waitingMessage({
      ...notice,
      status: "waiting_for_human",
      kind: "escalation",
      reason: "model_unusable",
      tool: "escalation",
      message: "Fix the model configuration.",
    });
    expect(message.text).toBe(
      "calculator escalated to an operator (model_unusable): Fix the model configuration. (thread thr_1)",
    );
    expect(JSON.stringify(message.blocks)).toContain("not a question from the customer");
    expect(JSON.stringify(message.blocks)).not.toContain("asks you a question");
  });

  it("asks a question with a Reply button", () => {
    const message = waitingMessage({
      ...notice,
      status: "waiting_for_human",
      kind: "human_input",
      message: "Which?",
    });
    expect(JSON.stringify(message.blocks)).toContain('"text":"Reply"');
    expect(JSON.stringify(message.blocks)).not.toContain("Approve");
    expect(message.text).toContain("Which?");
  });
});

describe("Routes: /slack/events and /slack/interactions", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const context = (body: string, headers: Record<string, string>): RouteContext =>
    ({
      deps: { clock: { now: () => AT } } as unknown as RuntimeDeps,
      event: { body, isBase64Encoded: false, headers } as unknown as APIGatewayProxyEventV2,
      principal: "anonymous",
      params: {},
      maxBodyBytes: 100_000,
      webhooks: undefined,
      consoleAssets: undefined,
    }) as RouteContext;
  const signed = (body: string, secret = SECRET) => ({
    "x-slack-request-timestamp": TIMESTAMP,
    "x-slack-signature": signSlack(secret, TIMESTAMP, body),
  });

  it("answer 404 while Slack is not configured", async () => {
    for (const key of Object.keys(process.env)) {
      if (key.startsWith("SLACK_")) vi.stubEnv(key, undefined);
    }
    await expect(handleSlackEvents(context("{}", {}))).rejects.toMatchObject({
      code: "route_not_found",
    });
  });

  it("answer url_verification's challenge when signed, and 401 before parsing otherwise", async () => {
    vi.stubEnv("SLACK_BOT_TOKEN", "xoxb-1");
    vi.stubEnv("SLACK_SIGNING_SECRET", SECRET);
    const body = JSON.stringify({ type: "url_verification", challenge: "3eZbrw1aB" });
    const answer = await handleSlackEvents(context(body, signed(body)));
    expect([answer.statusCode, JSON.parse(String(answer.body))]).toEqual([
      200,
      { challenge: "3eZbrw1aB" },
    ]);
    await expect(handleSlackEvents(context("not json", {}))).rejects.toMatchObject({
      code: "unsigned",
    });
    await expect(
      handleSlackInteractions(context("payload=%7B", signed("payload=%7B", "wrong"))),
    ).rejects.toMatchObject({ code: "bad_signature" });
  });
});

describe("Function: waitingMessage, decidedMessage, endedMessage: the model's words are shown, never read", () => {
  // Slack reads `<!channel>`, `<url|label>` and `<@U…>` in a message's `text` (its notification
  // and fallback) as in its mrkdwn blocks: escaped, they are shown as typed and ping no one.
  const hostile = "<!channel> pay <https://evil.example|the invoice> & <@U0BOSS>";
  const raw = ["<!channel>", "<https://evil.example", "<@U0BOSS>", " & "];
  const notice = {
    id: "thr_1:call_1",
    threadId: "thr_1",
    agent: "calculator",
    status: "waiting_for_human" as const,
    kind: "human_input" as const,
    callId: "call_1",
    tool: "request_more_information",
    args: { message: hostile },
    message: hostile,
    link: "https://api.example.com/prod/threads/thr_1",
  };
  const shown = (text: string) => {
    for (const fragment of raw) expect(text, fragment).not.toContain(fragment);
    expect(text).toContain("&lt;!channel&gt; pay &lt;https://evil.example|the invoice&gt; &amp;");
  };

  it("escapes &, < and > in a question's text and blocks alike", () => {
    const message = waitingMessage(notice);
    shown(message.text);
    for (const block of message.blocks.filter((b) => b.type === "section")) {
      if (block.type === "section" && block.text?.text.includes("pay")) shown(block.text.text);
    }
  });

  it("escapes an approval's tool name in its text", () => {
    const message = waitingMessage({
      ...notice,
      status: "waiting_for_approval",
      kind: "approval",
      tool: hostile,
    });
    shown(message.text);
  });

  it("escapes a decision's answer and a thread's output in text and blocks", () => {
    const decided = decidedMessage(
      { t: "thr_1", k: hostile, l: "https://x.example/console/threads/thr_1" },
      { kind: "answered", response: hostile },
      "U0DAVE",
    );
    shown(decided.text);
    expect(decided.text).toContain("<@U0DAVE>");
    shown(JSON.stringify(decided.blocks[0]));
    const ended = endedMessage({
      id: "thr_1:done:3",
      threadId: "thr_1",
      agent: hostile,
      status: "done",
      version: 3,
      output: hostile,
      link: notice.link,
    });
    shown(ended.text);
    shown(JSON.stringify(ended.blocks));
  });
});
