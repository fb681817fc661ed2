import type { APIGatewayProxyEventV2 } from "aws-lambda";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { WebhookSource } from "../../functions/api/webhook-config.ts";
import {
  GITHUB_REPLAY_WINDOW_SECONDS,
  signWebhook,
  verifyDelivery,
} from "../../functions/api/webhook-signatures.ts";
import { fillTemplate } from "../../functions/api/webhook-template.ts";

const event = (headers: Record<string, string>) =>
  ({ headers }) as unknown as APIGatewayProxyEventV2;
const at = (seconds: number) => new Date(seconds * 1000);

/** What `verifyDelivery` throws: its code, or "accepted". */
async function outcome(input: Parameters<typeof verifyDelivery>[0]): Promise<string> {
  try {
    await verifyDelivery(input);
    return "accepted";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("Function: verifyDelivery", () => {
  describe("GitHub (X-Hub-Signature-256)", () => {
    // GitHub's documented example: docs.github.com, "Validating webhook deliveries".
    const config: WebhookSource = { format: "github", secret: "It's a Secret to Everybody" };
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

    it("verifies GitHub's test vector, and names the delivery by X-GitHub-Delivery", async () => {
      const verified = await verifyDelivery({
        source: "gh",
        config,
        raw: "Hello, World!",
        event: event({ "x-hub-signature-256": signature, "x-github-delivery": delivery }),
        now: new Date(),
      });
      expect(verified).toMatchObject({ deliveryId: delivery, replay: { owner: delivery } });
    });

    it("refuses another body, a missing signature or delivery id with 401 codes", async () => {
      const headers = { "x-hub-signature-256": signature, "x-github-delivery": delivery };
      const base = { source: "gh", config, now: new Date() };
      expect(await outcome({ ...base, raw: "Hello, World?", event: event(headers) })).toBe(
        "bad_signature",
      );
      expect(
        await outcome({
          ...base,
          raw: "Hello, World!",
          event: event({ "x-github-delivery": delivery }),
        }),
      ).toBe("unsigned");
      expect(
        await outcome({
          ...base,
          raw: "Hello, World!",
          event: event({ "x-hub-signature-256": signature }),
        }),
      ).toBe("unsigned");
    });
  });

  describe("Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)", () => {
    // The reference vector of the Standard Webhooks libraries' tests.
    const config: WebhookSource = {
      format: "standard",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    };
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const raw = '{"test": 2432232314}';

    it("verifies the reference vector at its time, among other signatures, once per id", async () => {
      const verified = await verifyDelivery({
        source: "std",
        config,
        raw,
        event: event(headers),
        now: at(1614265330),
      });
      expect(verified.deliveryId).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
      expect(verified.replay?.expiresAt).toEqual(at(1614265330 + 600));
      const rotated = {
        ...headers,
        "webhook-signature": `v1,b2xkLXNlY3JldA== ${headers["webhook-signature"]}`,
      };
      expect(
        await outcome({ source: "std", config, raw, event: event(rotated), now: at(1614265330) }),
      ).toBe("accepted");
    });

    it("refuses a stale or future timestamp, another body, another id, a missing header", async () => {
      const base = { source: "std", config, raw };
      expect(await outcome({ ...base, event: event(headers), now: at(1614265330 + 301) })).toBe(
        "stale_signature",
      );
      expect(await outcome({ ...base, event: event(headers), now: at(1614265330 - 301) })).toBe(
        "stale_signature",
      );
      expect(
        await outcome({
          ...base,
          raw: '{"test": 2432232315}',
          event: event(headers),
          now: at(1614265330),
        }),
      ).toBe("bad_signature");
      expect(
        await outcome({
          ...base,
          event: event({ ...headers, "webhook-id": "msg_other" }),
          now: at(1614265330),
        }),
      ).toBe("bad_signature");
      const { "webhook-signature": _, ...unsigned } = headers;
      expect(await outcome({ ...base, event: event(unsigned), now: at(1614265330) })).toBe(
        "unsigned",
      );
    });
  });

  describe("Stripe (Stripe-Signature: t=, v1=)", () => {
    const config: WebhookSource = { format: "stripe", secret: "whsec_test_secret_0123456789" };
    const raw = JSON.stringify({ id: "evt_1NG8Du2eZvKYlo2CUI79vXWy", type: "invoice.paid" });
    // The header Stripe's own SDK makes for a test delivery.
    const stripe = new Stripe("sk_test_unused");
    const signed = (timestamp: number, secret = config.secret) =>
      stripe.webhooks.generateTestHeaderString({ payload: raw, secret, timestamp });

    it("verifies the header Stripe's SDK signs, naming the delivery by the event id", async () => {
      const verified = await verifyDelivery({
        source: "pay",
        config,
        raw,
        event: event({ "stripe-signature": signed(1_700_000_000) }),
        now: at(1_700_000_100),
      });
      expect(verified.deliveryId).toBe("evt_1NG8Du2eZvKYlo2CUI79vXWy");
      expect(verified.replay).toBeDefined();
    });

    it("refuses another secret, a stale timestamp, a header without v1", async () => {
      const base = { source: "pay", config, raw, now: at(1_700_000_000) };
      expect(
        await outcome({
          ...base,
          event: event({ "stripe-signature": signed(1_700_000_000, "whsec_other_secret_0123") }),
        }),
      ).toBe("bad_signature");
      expect(
        await outcome({ ...base, event: event({ "stripe-signature": signed(1_699_999_000) }) }),
      ).toBe("stale_signature");
      expect(
        await outcome({ ...base, event: event({ "stripe-signature": "t=1700000000,v0=abc" }) }),
      ).toBe("unsigned");
    });
  });

  describe("Twelve (X-Twelve-Timestamp, X-Twelve-Signature)", () => {
    it("verifies signWebhook's signature within 5 minutes, once", async () => {
      const config: WebhookSource = { format: "twelve", secret: "0123456789abcdef" };
      const raw = '{"agent":"calculator","message":"1 + 1"}';
      const headers = {
        "x-twelve-timestamp": "1700000000",
        "x-twelve-signature": signWebhook(config.secret, "1700000000", raw),
      };
      const verified = await verifyDelivery({
        source: "b",
        config,
        raw,
        event: event(headers),
        now: at(1_700_000_200),
      });
      expect(verified.deliveryId).toBeUndefined();
      expect(verified.replay?.key).toMatch(/^[0-9a-f]{64}$/);
      expect(
        await outcome({
          source: "b",
          config,
          raw: `${raw} `,
          event: event(headers),
          now: at(1_700_000_000),
        }),
      ).toBe("bad_signature");
    });
  });
});

describe("Function: verifyDelivery: the replay key is what the signature covers", () => {
  // A captured request, re-sent with its signature header edited (a second v1, spaces, a v0),
  // still verifies: the key it is remembered by must not change with the header's text.
  const keyOf = async (input: Parameters<typeof verifyDelivery>[0]) =>
    (await verifyDelivery(input)).replay?.key;

  it("Stripe: extra v1 or v0 entries, spaces, another order give the same key", async () => {
    const config: WebhookSource = { format: "stripe", secret: "whsec_test_secret_0123456789" };
    const raw = JSON.stringify({ id: "evt_1", type: "invoice.paid" });
    const header = new Stripe("sk_test_unused").webhooks.generateTestHeaderString({
      payload: raw,
      secret: config.secret,
      timestamp: 1_700_000_000,
    });
    const [t = "", v1 = ""] = header.split(",");
    const base = { source: "pay", config, raw, now: at(1_700_000_000) };
    const original = await keyOf({ ...base, event: event({ "stripe-signature": header }) });
    for (const edited of [
      `${header},v1=00`,
      `${t}, ${v1}`,
      `${header},v0=x`,
      `${t},v1=${"0".repeat(64)},${v1}`,
      `${v1},${t}`,
    ]) {
      expect(await keyOf({ ...base, event: event({ "stripe-signature": edited }) }), edited).toBe(
        original,
      );
    }
    const later = new Stripe("sk_test_unused").webhooks.generateTestHeaderString({
      payload: raw,
      secret: config.secret,
      timestamp: 1_700_000_001,
    });
    // Stripe's own retry signs again with a new t: a new request (its event id dedupes the launch).
    expect(await keyOf({ ...base, event: event({ "stripe-signature": later }) })).not.toBe(
      original,
    );
  });

  it("Standard Webhooks: another signature list with the same id gives the same key", async () => {
    const config: WebhookSource = {
      format: "standard",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    };
    const signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
    };
    const base = { source: "std", config, raw: '{"test": 2432232314}', now: at(1614265330) };
    const original = await keyOf({
      ...base,
      event: event({ ...headers, "webhook-signature": signature }),
    });
    for (const edited of [`${signature} v1,AAAA`, `v1a,xyz ${signature}`]) {
      expect(
        await keyOf({ ...base, event: event({ ...headers, "webhook-signature": edited }) }),
      ).toBe(original);
    }
  });

  it("GitHub: the signed body is remembered for the window, whatever X-GitHub-Delivery says", async () => {
    const config: WebhookSource = { format: "github", secret: "It's a Secret to Everybody" };
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const base = { source: "gh", config, raw: "Hello, World!", now: at(1_700_000_000) };
    const first = await verifyDelivery({
      ...base,
      event: event({ "x-hub-signature-256": signature, "x-github-delivery": "delivery-1" }),
    });
    const second = await verifyDelivery({
      ...base,
      event: event({ "x-hub-signature-256": signature, "x-github-delivery": "delivery-2" }),
    });
    expect(first.replay?.key).toMatch(/^[0-9a-f]{64}$/);
    expect(second.replay?.key).toBe(first.replay?.key);
    // GitHub's own redelivery keeps its delivery id: the claim's owner, so it is not a replay.
    expect([first.replay?.owner, second.replay?.owner]).toEqual(["delivery-1", "delivery-2"]);
    expect(first.replay?.expiresAt).toEqual(at(1_700_000_000 + GITHUB_REPLAY_WINDOW_SECONDS));
  });

  it("Twelve: the key is the timestamp and the body, as signed", async () => {
    const config: WebhookSource = { format: "twelve", secret: "0123456789abcdef" };
    const raw = '{"agent":"calculator","message":"1 + 1"}';
    const signedAt = (ts: string) => ({
      source: "b",
      config,
      raw,
      event: event({
        "x-twelve-timestamp": ts,
        "x-twelve-signature": signWebhook(config.secret, ts, raw),
      }),
      now: at(1_700_000_000),
    });
    expect(await keyOf(signedAt("1700000000"))).not.toBe(await keyOf(signedAt("1700000001")));
    expect(await keyOf(signedAt("1700000000"))).toBe(await keyOf(signedAt("1700000000")));
  });
});

describe("Function: verifyDelivery: a malformed signature is a 401 in every format", () => {
  const formats: [WebhookSource, Record<string, string>][] = [
    [
      { format: "github", secret: "It's a Secret to Everybody" },
      { "x-github-delivery": "d-1", "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
    ],
    [
      { format: "stripe", secret: "whsec_test_secret_0123456789" },
      { "stripe-signature": `t=1700000000,v1=${"0".repeat(64)}` },
    ],
    [
      { format: "standard", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      { "webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": "v1,AAAA" },
    ],
    [
      { format: "twelve", secret: "0123456789abcdef" },
      { "x-twelve-timestamp": "1700000000", "x-twelve-signature": "v1=00" },
    ],
  ];

  it.each(formats)(
    "%o: a bogus signature over an empty body is bad_signature",
    async (config, headers) => {
      const base = { source: "s", config, now: at(1_700_000_000) };
      expect(await outcome({ ...base, raw: "", event: event(headers) })).toBe("bad_signature");
    },
  );

  it.each(formats)(
    "%o: mangled headers are 401 codes, never a throw of another kind",
    async (config, headers) => {
      const base = { source: "s", config, now: at(1_700_000_000), raw: "{}" };
      const mangled = [
        "",
        " ",
        "=",
        ",",
        "v1=",
        "t=,v1=",
        "sha256=",
        "v1,",
        "\u0000",
        "x".repeat(10_000),
      ];
      for (const [name] of Object.entries(headers)) {
        for (const value of mangled) {
          const code = await outcome({ ...base, event: event({ ...headers, [name]: value }) });
          expect(
            ["unsigned", "bad_signature", "stale_signature"],
            `${name}: ${value.slice(0, 9)}`,
          ).toContain(code);
        }
      }
    },
  );
});

describe("Function: fillTemplate", () => {
  const payload = { issue: { title: "Crash on save", number: 42, labels: [{ name: "bug" }] } };

  it("fills each {{path}} from the payload: strings as they are, other values as JSON", () => {
    expect(
      fillTemplate("#{{issue.number}} {{ issue.title }} ({{issue.labels.0.name}})", payload, "gh"),
    ).toBe("#42 Crash on save (bug)");
    expect(fillTemplate("{{issue.labels}}", payload, "gh")).toBe('[{"name":"bug"}]');
  });

  it("names the path a payload does not hold, as a 400", () => {
    expect(() => fillTemplate("{{issue.body}}", payload, "gh")).toThrow(
      'the payload has no "issue.body", which the launch template of source "gh" fills',
    );
    expect(() => fillTemplate("{{issue.title.0}}", payload, "gh")).toThrow('"issue.title.0"');
    expect(() => fillTemplate("{{__proto__.polluted}}", payload, "gh")).toThrow(
      '"__proto__.polluted"',
    );
  });
});
