import { describe, expect, it } from "vitest";
import * as z from "zod";
import { readWebhookSources, sourcesOfSecret } from "../../functions/api/webhook-config.ts";
import { readSettings } from "../../functions/compose/read-settings.ts";
import { readApiSettings } from "../../functions/compose/settings/api.ts";
import { readStoreSettings } from "../../functions/compose/settings/store.ts";
import { describeConfigIssues, readEnv } from "../../shared/config/read-env.ts";
import { ConfigError } from "../../shared/core/errors.ts";

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  LIMIT: z.coerce.number({ error: "must be a positive integer" }).int().positive().default(5),
  MODE: z.enum(["fast", "slow"]).optional(),
});

const base = {
  TABLE_NAME: "threads",
  STEP_QUEUE_URL: "http://sqs.local/queue.fifo",
  EVENT_BUS_NAME: "bus",
};

describe("Function: readEnv", () => {
  it("reads the settings the schema names, with their defaults", () => {
    expect(readEnv(schema, { TABLE_NAME: "threads", LIMIT: "7", OTHER: "x" })).toEqual({
      TABLE_NAME: "threads",
      LIMIT: 7,
    });
  });

  it("counts an empty string as unset: the default applies, an optional key stays out", () => {
    expect(readEnv(schema, { TABLE_NAME: "threads", LIMIT: "", MODE: "" })).toEqual({
      TABLE_NAME: "threads",
      LIMIT: 5,
    });
  });

  it("counts an empty required key as missing", () => {
    expect(() => readEnv(schema, { TABLE_NAME: "" })).toThrow(
      "invalid configuration: TABLE_NAME: is required",
    );
  });

  it("names every problem in one ConfigError, in one format", () => {
    // Act
    const error = (() => {
      try {
        readEnv(schema, { LIMIT: "-2", MODE: "medium" });
      } catch (caught) {
        return caught;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("invalid_config");
    expect((error as ConfigError).cause).toBeInstanceOf(z.ZodError);
    expect((error as ConfigError).message).toMatch(
      /^invalid configuration: TABLE_NAME: is required; LIMIT: [^;]+; MODE: [^;]+$/,
    );
  });
});

describe("Function: describeConfigIssues", () => {
  it("joins nested keys with dots", () => {
    const nested = z.object({ SECRETS: z.record(z.string(), z.string().min(3, "too short")) });
    const result = nested.safeParse({ SECRETS: { github: "ab" } });
    expect(result.success).toBe(false);
    expect(describeConfigIssues(result.error?.issues ?? [], {})).toBe("SECRETS.github: too short");
  });
});

describe("Every environment reader", () => {
  it("reads the handlers' settings by the same rules", () => {
    expect(readApiSettings({ ...base, MAX_BODY_BYTES: "", AGENT_API_KEY: "" })).toMatchObject({
      maxBodyBytes: 65_536,
    });
    expect(() => readSettings({ ...base, TABLE_NAME: "" }).store).toThrow(
      "invalid configuration: TABLE_NAME: is required",
    );
    expect(() => readSettings({ ...base, MAX_BODY_BYTES: "lots" }).api).toThrow(
      "invalid configuration: MAX_BODY_BYTES: must be a positive integer",
    );
  });

  it("reads WEBHOOK_SECRETS by the same rules, as sources of Twelve's own format", () => {
    expect(readWebhookSources({ WEBHOOK_SECRETS: "" })).toEqual({});
    expect(readWebhookSources({ WEBHOOK_SECRETS: '{"github":"0123456789abcdef"}' })).toEqual({
      github: { format: "twelve", secret: "0123456789abcdef" },
    });
    expect(() => readWebhookSources({ WEBHOOK_SECRETS: "{" })).toThrow(
      "invalid configuration: WEBHOOK_SECRETS: must be a JSON object of source name to secret",
    );
    expect(() => readWebhookSources({ WEBHOOK_SECRETS: '{"github":"short"}' })).toThrow(
      "invalid configuration: WEBHOOK_SECRETS.github: a webhook secret needs at least 16 characters",
    );
  });

  it("reads WEBHOOK_SOURCES: a format, a secret and a launch template per source", () => {
    const sources = {
      gh: {
        format: "github",
        secret: "It's a Secret to Everybody",
        launch: { agent: "triage", message: "{{issue.title}}" },
      },
      pay: { format: "stripe", secret: "whsec_test_secret_0123456789" },
      std: { format: "standard", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
    };
    expect(readWebhookSources({ WEBHOOK_SOURCES: JSON.stringify(sources) })).toEqual(sources);
    const bad = (value: unknown) => () =>
      readWebhookSources({ WEBHOOK_SOURCES: JSON.stringify({ s: value }) });
    expect(bad({ format: "gitlab", secret: "0123456789abcdef" })).toThrow(
      "WEBHOOK_SOURCES.s.format: format is one of twelve, github, stripe, standard",
    );
    expect(bad({ format: "standard", secret: "not-a-whsec-secret-at-all" })).toThrow(
      "WEBHOOK_SOURCES.s.secret: a standard secret is whsec_ and base64 (24+ chars)",
    );
    expect(
      bad({
        format: "github",
        secret: "0123456789abcdef",
        launch: { agent: "a", message: "plain" },
      }),
    ).toThrow("WEBHOOK_SOURCES.s.launch.message: the message template fills nothing");
    expect(() =>
      readWebhookSources({
        WEBHOOK_SECRETS: '{"gh":"0123456789abcdef"}',
        WEBHOOK_SOURCES: JSON.stringify({ gh: sources.gh }),
      }),
    ).toThrow('source "gh" is named in both WEBHOOK_SECRETS and WEBHOOK_SOURCES');
  });

  it("reads a Secrets Manager secret holding both shapes", () => {
    expect(
      sourcesOfSecret(
        '{"billing":"0123456789abcdef","gh":{"format":"github","secret":"0123456789abcdef"}}',
      ),
    ).toEqual({
      billing: { format: "twelve", secret: "0123456789abcdef" },
      gh: { format: "github", secret: "0123456789abcdef" },
    });
  });
});

describe("Function: readStoreSettings (payload bucket)", () => {
  it("reads the bucket, the threshold and path-style, and leaves them out when unset", () => {
    expect(
      readStoreSettings({
        ...base,
        PAYLOAD_BUCKET: "payloads",
        PAYLOAD_THRESHOLD_BYTES: "65536",
        S3_FORCE_PATH_STYLE: "true",
      }),
    ).toMatchObject({
      payloadBucket: "payloads",
      payloadThresholdBytes: 65_536,
      s3ForcePathStyle: true,
    });
    const unset = readStoreSettings(base);
    expect(unset.payloadBucket).toBeUndefined();
    expect(unset.s3ForcePathStyle).toBeUndefined();
  });

  it("names a bad threshold or path-style setting", () => {
    expect(() => readStoreSettings({ ...base, PAYLOAD_THRESHOLD_BYTES: "32k" })).toThrow(
      /PAYLOAD_THRESHOLD_BYTES: must be a positive integer/,
    );
    expect(() => readStoreSettings({ ...base, S3_FORCE_PATH_STYLE: "yes" })).toThrow(
      /S3_FORCE_PATH_STYLE: must be "true" or "false"/,
    );
  });
});
