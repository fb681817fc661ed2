import { describe, expect, it } from "vitest";
import { readSettings } from "../../functions/compose/read-settings.ts";
import { readApiSettings } from "../../functions/compose/settings/api.ts";
import { clientConfig } from "../../functions/compose/settings/aws.ts";
import { readStoreSettings } from "../../functions/compose/settings/store.ts";
import { lazySettings } from "../../functions/compose/settings.ts";
import { ConfigError } from "../../shared/core/errors.ts";

const deployed = {
  TABLE_NAME: "twelve-threads",
  STEP_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/steps.fifo",
  EVENT_BUS_NAME: "twelve-agents",
};
const ALICE = "alice-key-0123456789";

describe("Function: readSettings", () => {
  it("reads each section by its environment names, with their defaults", () => {
    const settings = readSettings({ ...deployed, PUBLIC_URL: "https://api.example.com" });
    expect(settings.store).toEqual({
      tableName: "twelve-threads",
      retentionDays: 90,
      payloadBucket: undefined,
      payloadThresholdBytes: undefined,
      s3ForcePathStyle: undefined,
    });
    expect(settings.queue.url).toBe(deployed.STEP_QUEUE_URL);
    expect(settings.bus).toEqual({ name: "twelve-agents", publicUrl: "https://api.example.com" });
    expect(settings.worker).toEqual({ maxReceives: 5, threadCache: { maxBytes: 64 * 2 ** 20 } });
    expect(settings.api).toMatchObject({ apiKeys: undefined, maxBodyBytes: 65_536 });
    expect(settings.model.openai).toBeUndefined();
    expect(settings.aws).toEqual({});
  });

  it("reads a section only when it is used, so a function starts without the others' settings", () => {
    // The reaper's environment: a table, no queue, no bus.
    const settings = readSettings({ TABLE_NAME: "twelve-threads" });
    expect(settings.store.tableName).toBe("twelve-threads");
    expect(() => settings.queue).toThrow("invalid configuration: STEP_QUEUE_URL: is required");
  });

  it("reads a section once: the environment's later changes do not reach it", () => {
    const env: Record<string, string> = { ...deployed };
    const settings = readSettings(env);
    expect(settings.store.tableName).toBe("twelve-threads");
    env.TABLE_NAME = "other";
    expect(settings.store.tableName).toBe("twelve-threads");
  });

  it("names every bad variable of a section in one ConfigError", () => {
    const act = () =>
      readSettings({ ...deployed, TABLE_NAME: "", THREAD_RETENTION_DAYS: "-1" }).store;
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/^invalid configuration: TABLE_NAME: is required; THREAD_RETENTION_DAYS: /);
  });
});

describe("Function: lazySettings", () => {
  it("refuses a section the function does not read, by name", () => {
    const settings = lazySettings(deployed, { store: readStoreSettings });
    expect(settings.store.tableName).toBe("twelve-threads");
    expect(() => settings.queue).toThrow("this function does not read the queue settings");
  });
});

describe("Function: readApiSettings (keys given in code)", () => {
  it("takes the named keys as an object, by the rules of AGENT_API_KEYS", () => {
    expect(readApiSettings({ AGENT_API_KEYS: { alice: ALICE } }).apiKeys).toEqual({ alice: ALICE });
    expect(() => readApiSettings({ AGENT_API_KEYS: { bob: "tiny-key" } })).toThrow(
      "invalid configuration: AGENT_API_KEYS.bob: must be at least 16 characters",
    );
    expect(() =>
      readApiSettings({ AGENT_API_KEY: ALICE, AGENT_API_KEYS: { bot: `${ALICE}x` } }),
    ).toThrow(/AGENT_API_KEYS: set AGENT_API_KEY or AGENT_API_KEYS, not both/);
  });
});

describe("Function: clientConfig", () => {
  it("names only what the settings name, so the SDK's defaults apply to the rest", () => {
    expect(clientConfig({}, "sqs")).toEqual({});
    const local = {
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      endpoints: { sqs: "http://127.0.0.1:9324" },
    };
    expect(clientConfig(local, "sqs")).toEqual({
      region: "us-east-1",
      credentials: local.credentials,
      endpoint: "http://127.0.0.1:9324",
    });
    expect(clientConfig(local, "dynamodb")).not.toHaveProperty("endpoint");
  });
});
