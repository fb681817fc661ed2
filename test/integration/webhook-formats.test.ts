import { sign as signGitHub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

const GITHUB_SECRET = "github-webhook-secret-0123";
const STRIPE_SECRET = "whsec_stripe_test_0123456789";
const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let stack: LocalStack;
let api: ReturnType<typeof client>;
const post = (source: string, body: string, headers: Record<string, string>) =>
  api.request("POST", `/hooks/${source}`, body, headers);
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  stack = await startTestStack({
    webhookSources: {
      github: {
        format: "github",
        secret: GITHUB_SECRET,
        launch: { agent: "calculator", message: "{{issue.title}}" },
      },
      stripe: {
        format: "stripe",
        secret: STRIPE_SECRET,
        launch: { agent: "calculator", message: "What is {{data.object.amount_due}} / 100?" },
      },
      standard: { format: "standard", secret: STANDARD_SECRET },
    },
  });
  api = client(stack);
});
afterAll(() => stack?.stop());

describe("POST /hooks/{source} in the senders' own formats", () => {
  it("GitHub: launches from the template, once per X-GitHub-Delivery", async () => {
    // Prepare: a payload signed as GitHub signs it
    const body = JSON.stringify({ action: "opened", issue: { title: "What is 6 * 7?" } });
    const headers = {
      "x-github-event": "issues",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": await signGitHub(GITHUB_SECRET, body),
    };

    // Act: the delivery, then GitHub's redelivery of it
    const first = await post("github", body, headers);
    const again = await post("github", body, headers);

    // Assess
    expect(first.status).toBe(202);
    // The same thread, in whatever status it has reached by then.
    expect([again.status, again.body.threadId]).toEqual([202, first.body.threadId]);
    const done = await api.waitFor(first.body.threadId, "done");
    expect(done.output).toBe("6 * 7 = 42");
    expect(done.events[0]).toMatchObject({
      data: { message: "What is 6 * 7?" },
      by: { principal: "github", via: "webhook:github" },
    });
  });

  it("GitHub: a wrong signature is 401, a payload the template cannot fill is 400; nothing changes", async () => {
    const before = await storeSnapshot(stack);
    const body = JSON.stringify({ action: "created", comment: { body: "no issue here" } });
    const delivery = { "x-github-delivery": crypto.randomUUID() };
    const wrong = await post("github", body, {
      ...delivery,
      "x-hub-signature-256": await signGitHub("another-secret-0123456", body),
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, "bad_signature"]);
    const unfilled = await post("github", body, {
      ...delivery,
      "x-hub-signature-256": await signGitHub(GITHUB_SECRET, body),
    });
    expect([unfilled.status, unfilled.body.error.code]).toEqual([400, "invalid_body"]);
    expect(unfilled.body.error.message).toContain('"issue.title"');
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("Stripe: launches from an event Stripe's SDK signed; a replay or a stale one is 401", async () => {
    // Prepare
    const body = JSON.stringify({
      id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
      type: "invoice.payment_failed",
      data: { object: { amount_due: 2500 } },
    });
    const stripe = new Stripe("sk_test_unused");
    const signature = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: STRIPE_SECRET,
      timestamp: now(),
    });

    // Act
    const launched = await post("stripe", body, { "stripe-signature": signature });
    // The launch's own steps are no replay's doing: taken once it has paused.
    await api.waitFor(launched.body.threadId, "waiting_for_approval");
    const before = await storeSnapshot(stack);
    const replayed = await post("stripe", body, { "stripe-signature": signature });
    const stale = await post("stripe", body, {
      "stripe-signature": stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: STRIPE_SECRET,
        timestamp: now() - 600,
      }),
    });

    // Assess
    expect(launched.status).toBe(202);
    expect([replayed.status, replayed.body.error.code]).toEqual([401, "replayed"]);
    expect([stale.status, stale.body.error.code]).toEqual([401, "stale_signature"]);
    expect(await storeSnapshot(stack)).toEqual(before);
    const waiting = await api.waitFor(launched.body.threadId, "waiting_for_approval");
    expect(waiting.pending).toMatchObject({ tool: "divide", args: { a: 2500, b: 100 } });
  });

  it("Stripe: a captured request with its signature header edited is still a replay", async () => {
    // Prepare: one request Stripe signed, launched once
    const body = JSON.stringify({
      id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
      type: "invoice.payment_failed",
      data: { object: { amount_due: 300 } },
    });
    const signature = new Stripe("sk_test_unused").webhooks.generateTestHeaderString({
      payload: body,
      secret: STRIPE_SECRET,
      timestamp: now(),
    });
    const [t = "", v1 = ""] = signature.split(",");
    const launched = await post("stripe", body, { "stripe-signature": signature });
    expect(launched.status).toBe(202);
    // The launch's own steps are no replay's doing: taken once it has paused.
    await api.waitFor(launched.body.threadId, "waiting_for_approval");
    const before = await storeSnapshot(stack);

    // Act: the same request, its header edited in ways that still verify
    const edits = [`${signature},v1=00`, `${t}, ${v1}`, `${signature},v0=x`, `${v1},${t}`];
    const replays = [];
    for (const edited of edits)
      replays.push(await post("stripe", body, { "stripe-signature": edited }));

    // Assess
    for (const [index, replay] of replays.entries()) {
      expect([replay.status, replay.body.error?.code], edits[index]).toEqual([401, "replayed"]);
    }
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("GitHub: the same signed body under a new X-GitHub-Delivery is a replay; its own id is not", async () => {
    // Prepare: a delivery GitHub signed, launched once
    const body = JSON.stringify({ action: "opened", issue: { title: "What is 5 * 5?" } });
    const signature = await signGitHub(GITHUB_SECRET, body);
    const id = crypto.randomUUID();
    const first = await post("github", body, {
      "x-github-delivery": id,
      "x-hub-signature-256": signature,
    });
    expect(first.status).toBe(202);
    await api.waitFor(first.body.threadId, "done");
    const before = await storeSnapshot(stack);

    // Act: a captured copy with a fresh delivery id; GitHub's redelivery with its own
    const replayed = await post("github", body, {
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signature,
    });
    const redelivered = await post("github", body, {
      "x-github-delivery": id,
      "x-hub-signature-256": signature,
    });

    // Assess
    expect([replayed.status, replayed.body.error?.code]).toEqual([401, "replayed"]);
    expect([redelivered.status, redelivered.body]).toEqual([
      202,
      { threadId: first.body.threadId, status: "done" },
    ]);
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("any malformed signature, in any format, over any body (none too) is a 401, changing nothing", async () => {
    const before = await storeSnapshot(stack);
    const zeros = "0".repeat(64);
    const cases: [string, Record<string, string>][] = [
      [
        "github",
        { "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": `sha256=${zeros}` },
      ],
      ["github", { "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": "sha256=zz" }],
      ["stripe", { "stripe-signature": `t=${now()},v1=${zeros}` }],
      ["stripe", { "stripe-signature": `t=${now()},t=${now()},v1=${zeros}` }],
      ["stripe", { "stripe-signature": "t=,v1=" }],
      [
        "standard",
        { "webhook-id": "msg_x", "webhook-timestamp": `${now()}`, "webhook-signature": "v1,AAAA" },
      ],
      [
        "standard",
        { "webhook-id": "msg_x", "webhook-timestamp": `${now()}`, "webhook-signature": "," },
      ],
    ];
    for (const [source, headers] of cases) {
      for (const body of ["", "{}"]) {
        const response = await post(source, body, headers);
        expect(response.status, `${source} ${JSON.stringify(headers)} ${body}`).toBe(401);
      }
    }
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("Standard Webhooks: Twelve's own body, signed with the library; each webhook-id once", async () => {
    // Prepare
    const webhook = new Webhook(STANDARD_SECRET);
    const body = JSON.stringify({ agent: "calculator", message: "What is 2 + 2?" });
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp = new Date();
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": webhook.sign(id, timestamp, body),
    };

    // Act
    const launched = await post("standard", body, headers);
    const replayed = await post("standard", body, headers);
    const tampered = await post("standard", body.replace("2 + 2", "2 + 3"), {
      ...headers,
      "webhook-id": `${id}-2`,
    });

    // Assess
    expect(launched.status).toBe(202);
    expect([replayed.status, replayed.body.error.code]).toEqual([401, "replayed"]);
    expect([tampered.status, tampered.body.error.code]).toEqual([401, "bad_signature"]);
    expect((await api.waitFor(launched.body.threadId, "done")).output).toBe("2 + 2 = 4");
  });
});
