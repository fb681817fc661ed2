import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api/app.ts";
import { matchApiKey, parseApiKeySecret, readNamedApiKeys } from "../../functions/api-keys.ts";
import { readApiSettings } from "../../functions/compose/settings/api.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";

const ALICE = "alice-key-0123456789abcdef";
const BOT = "ci-bot-key-0123456789abcdef";
const keys = { alice: ALICE, "ci-bot": BOT };

const base = {
  TABLE_NAME: "threads",
  STEP_QUEUE_URL: "http://sqs.local/queue.fifo",
  EVENT_BUS_NAME: "bus",
};

const configError = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
};

const silent = { error: () => {} } as unknown as Logger;

/** A payload 2.0 request for a thread that does not exist (a 404 once past auth). */
const request = (authorization?: string): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    rawPath: "/threads/thr_missing",
    rawQueryString: "",
    headers: authorization ? { authorization } : {},
    requestContext: { http: { method: "GET", path: "/threads/thr_missing" } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

/** A payload 2.0 launch of the helper agent. */
const launch = (authorization: string): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    rawPath: "/threads",
    rawQueryString: "",
    headers: { authorization, "content-type": "application/json" },
    requestContext: { http: { method: "POST", path: "/threads" } },
    body: JSON.stringify({ agent: "helper", message: "hello" }),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

const helper = defineAgent({ name: "helper", prompt: "Help.", tools: [doneForNow] });
let threads = 0;

describe("Function: matchApiKey", () => {
  it("names the key the token is", () => {
    expect(matchApiKey(ALICE, keys)).toBe("alice");
    expect(matchApiKey(BOT, keys)).toBe("ci-bot");
  });

  it("names none for a wrong, a cut or a longer token", () => {
    for (const token of ["wrong-key-0123456789abcdef", ALICE.slice(1), `${BOT}x`, ""]) {
      expect(matchApiKey(token, keys)).toBeUndefined();
    }
  });
});

describe("Function: readApiSettings (API keys)", () => {
  it("reads AGENT_API_KEYS as named keys, and AGENT_API_KEY as the key named api-key", () => {
    expect(readApiSettings({ ...base, AGENT_API_KEYS: JSON.stringify(keys) }).apiKeys).toEqual(
      keys,
    );
    expect(readApiSettings({ ...base, AGENT_API_KEY: ALICE }).apiKeys).toEqual({
      "api-key": ALICE,
    });
    expect(readApiSettings({ ...base, AGENT_API_KEY: "", AGENT_API_KEYS: "" }).apiKeys).toBe(
      undefined,
    );
  });

  it("refuses a short key, by the variable and the key's name, never showing the key", () => {
    expect(configError(() => readApiSettings({ ...base, AGENT_API_KEY: "short" }))).toBe(
      "invalid configuration: AGENT_API_KEY: must be at least 16 characters",
    );
    const message = configError(() =>
      readApiSettings({
        ...base,
        AGENT_API_KEYS: JSON.stringify({ alice: ALICE, bob: "tiny-key" }),
      }),
    );
    expect(message).toBe(
      "invalid configuration: AGENT_API_KEYS.bob: must be at least 16 characters",
    );
    expect(message).not.toContain("tiny-key");
  });

  it("refuses AGENT_API_KEYS that is not a JSON object of name to key", () => {
    for (const raw of ["not json", "[]", '"a-key-of-sixteen-chars"', "null", "{}"]) {
      expect(configError(() => readApiSettings({ ...base, AGENT_API_KEYS: raw }))).toMatch(
        /^invalid configuration: AGENT_API_KEYS: must (be a JSON object of key name to key|name at least one key)/,
      );
    }
    expect(
      configError(() =>
        readApiSettings({ ...base, AGENT_API_KEYS: JSON.stringify({ alice: 42 }) }),
      ),
    ).toBe(
      'invalid configuration: AGENT_API_KEYS.alice: the key must be a string, or {"key", "agents"?, "can"?}',
    );
  });

  it("refuses an empty name, a name with spaces, and two names with one key", () => {
    expect(
      configError(() =>
        readApiSettings({ ...base, AGENT_API_KEYS: JSON.stringify({ "": ALICE }) }),
      ),
    ).toBe("invalid configuration: AGENT_API_KEYS: a key name must not be empty");
    expect(
      configError(() =>
        readApiSettings({ ...base, AGENT_API_KEYS: JSON.stringify({ "a b": ALICE }) }),
      ),
    ).toMatch(/^invalid configuration: AGENT_API_KEYS\.a b: a key name is 1-64 letters/);
    const twice = configError(() =>
      readApiSettings({
        ...base,
        AGENT_API_KEYS: JSON.stringify({ alice: ALICE, mallory: ALICE }),
      }),
    );
    expect(twice).toBe(
      "invalid configuration: AGENT_API_KEYS.mallory: has the same key as alice: each name needs its own key",
    );
  });

  it("refuses AGENT_API_KEY and AGENT_API_KEYS together rather than guessing", () => {
    expect(
      configError(() =>
        readApiSettings({
          ...base,
          AGENT_API_KEY: ALICE,
          AGENT_API_KEYS: JSON.stringify({ bot: BOT }),
        }),
      ),
    ).toMatch(
      /^invalid configuration: AGENT_API_KEYS: set AGENT_API_KEY or AGENT_API_KEYS, not both/,
    );
  });

  it("reads AGENT_API_KEYS alone for twelve dev, by the same rules", () => {
    expect(readNamedApiKeys({ AGENT_API_KEYS: JSON.stringify(keys) })).toEqual(keys);
    expect(readNamedApiKeys({})).toBeUndefined();
    expect(() => readNamedApiKeys({ AGENT_API_KEYS: '{"x": "short"}' })).toThrow(
      "invalid configuration: AGENT_API_KEYS.x: must be at least 16 characters",
    );
  });
});

describe("Function: parseApiKeySecret", () => {
  it("reads a JSON secret as named keys and a plain one as the key named api-key", () => {
    expect(parseApiKeySecret(JSON.stringify(keys))).toEqual(keys);
    expect(parseApiKeySecret(` ${ALICE}\n`)).toEqual({ "api-key": ALICE });
  });

  it("refuses a secret with no usable key, naming the secret", () => {
    for (const raw of ["", "short", '{"alice": "short"}', "{not json", '{"": "x"}']) {
      expect(configError(() => parseApiKeySecret(raw))).toMatch(
        /^invalid configuration: API_KEY_SECRET/,
      );
    }
  });
});

describe("Function: createApiHandler (named keys)", () => {
  const deps: RuntimeDeps = {
    agents: agentMap([helper]),
    store: new MemoryThreadStore(),
    queue: { enqueue: async () => {} },
    notifier: { threadWaiting: async () => {} },
    clock: { now: () => new Date("2026-12-01T09:00:00.000Z") },
    ids: { threadId: () => `thr_${++threads}` },
    threadLink: (id) => id,
  };
  const api = createApiHandler(deps, { apiKeys: keys, maxBodyBytes: 65_536, logger: silent });

  /** Who launched the thread, as its first event records it. */
  const launcher = async (threadId: string) => (await deps.store.load(threadId))?.events[0]?.by;

  it("lets each named key through, handing its name on as the principal", async () => {
    for (const [name, key] of Object.entries(keys)) {
      // Act
      const response = await api(launch(`Bearer ${key}`));

      // Assess: the launch records the key's name as who launched it
      expect(response.statusCode).toBe(202);
      const { threadId } = JSON.parse(response.body ?? "") as { threadId: string };
      expect(await launcher(threadId)).toEqual({ principal: name, via: "api" });
    }
  });

  it("answers 401 for a wrong key and for none", async () => {
    for (const header of ["Bearer wrong-key-0123456789abcdef", `Basic ${ALICE}`, undefined]) {
      const response = await api(request(header));
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body ?? "")).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("keeps apiKey as one key named api-key, and refuses apiKey with apiKeys", async () => {
    const single = createApiHandler(deps, { apiKey: ALICE, maxBodyBytes: 1024, logger: silent });
    const response = await single(launch(`bearer ${ALICE}`));
    expect(response.statusCode).toBe(202);
    const { threadId } = JSON.parse(response.body ?? "") as { threadId: string };
    expect(await launcher(threadId)).toEqual({ principal: "api-key", via: "api" });
    expect(() =>
      createApiHandler(deps, { apiKey: ALICE, apiKeys: keys, maxBodyBytes: 1, logger: silent }),
    ).toThrow(ConfigError);
  });
});
