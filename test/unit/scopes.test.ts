import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { Guard } from "../../functions/api/guard.ts";
import { scopeOfRequest } from "../../functions/api/principal.ts";
import {
  describeRefusal,
  FULL_SCOPE,
  refusal,
  type Scope,
  scopeFromText,
  scopeToText,
} from "../../functions/api/scopes.ts";
import {
  type ApiKeys,
  checkKeyAgents,
  matchApiKey,
  parseApiKeySecret,
  readNamedApiKeys,
  scopeOf,
} from "../../functions/api-keys.ts";
import { createAuthorizer } from "../../functions/authorizer/app.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";

const ALICE = "alice-key-0123456789abcdef";
const DESK = "desk-key-0123456789abcdef";
const keys: ApiKeys = {
  alice: ALICE,
  desk: { key: DESK, agents: ["refunds"], can: ["read", "decide"] },
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

const named = (value: unknown) => () => readNamedApiKeys({ AGENT_API_KEYS: JSON.stringify(value) });

describe("Function: refusal", () => {
  it("grants everything to the full scope", () => {
    expect(refusal(FULL_SCOPE, "delete", "refunds")).toBeUndefined();
  });

  it("names the verb, the agent, or both that the scope lacks", () => {
    const desk = { agents: ["refunds"], can: ["read", "decide"] } as const;
    expect(refusal(desk, "decide", "refunds")).toBeUndefined();
    expect(refusal(desk, "read")).toBeUndefined();
    expect(refusal(desk, "launch", "refunds")).toEqual({ verb: "launch" });
    expect(refusal(desk, "read", "calculator")).toEqual({ agent: "calculator" });
    expect(refusal(desk, "fork", "calculator")).toEqual({ verb: "fork", agent: "calculator" });
  });

  it("says who is refused, what is missing and what the key may do", () => {
    expect(describeRefusal("desk", { can: ["read"] }, { verb: "launch" })).toBe(
      'key "desk" may not launch (it may: read)',
    );
    expect(
      describeRefusal("desk", { agents: ["refunds"] }, { verb: "fork", agent: "calculator" }),
    ).toBe(
      'key "desk" may not fork or use agent "calculator" (it may: everything; agents: refunds)',
    );
  });
});

describe("Function: scopeFromText", () => {
  it("reads back what scopeToText wrote", () => {
    for (const scope of [FULL_SCOPE, { can: ["read"] }, { agents: ["a", "b"], can: ["fork"] }]) {
      expect(scopeFromText(scopeToText(scope as never))).toEqual(scope);
    }
  });

  it("grants nothing for text that is not a scope (a fault must not open the API)", () => {
    for (const text of ["", "{", "[]", "null", '{"can": ["approve"]}', '{"agents": "refunds"}']) {
      expect(scopeFromText(text)).toEqual({ agents: [], can: [] });
    }
  });
});

describe("Function: readNamedApiKeys (scopes)", () => {
  it("reads plain keys and keys with a scope side by side", () => {
    const read = named(keys)();
    expect(read).toEqual(keys);
    expect(matchApiKey(DESK, read ?? {})).toBe("desk");
    expect(scopeOf(read?.desk)).toEqual({ agents: ["refunds"], can: ["read", "decide"] });
    expect(scopeOf(read?.alice)).toEqual(FULL_SCOPE);
    expect(scopeOf(named({ bot: { key: DESK } })()?.bot)).toEqual(FULL_SCOPE);
  });

  it("refuses unknown verbs, empty lists and unknown fields by key name, never the key", () => {
    const cases: [unknown, string][] = [
      [
        { desk: { key: DESK, can: ["read", "approve"] } },
        'AGENT_API_KEYS.desk.can: unknown verb "approve"; the verbs are read, launch, message, decide, cancel, fork, delete',
      ],
      [
        { desk: { key: DESK, can: [] } },
        'AGENT_API_KEYS.desk.can: must name at least one verb; leave "can" out for every verb',
      ],
      [
        { desk: { key: DESK, agents: [] } },
        'AGENT_API_KEYS.desk.agents: must name at least one agent; leave "agents" out for every agent',
      ],
      [{ desk: { key: DESK, agents: "refunds" } }, "AGENT_API_KEYS.desk.agents: must be a list"],
      [{ desk: { key: DESK, scope: ["read"] } }, 'AGENT_API_KEYS.desk: unknown field "scope"'],
      [{ desk: { can: ["read"] } }, "AGENT_API_KEYS.desk.key: the key must be a string"],
      [
        { desk: { key: "short", can: ["read"] } },
        "AGENT_API_KEYS.desk.key: must be at least 16 characters",
      ],
      [{ alice: ALICE, desk: { key: ALICE } }, "AGENT_API_KEYS.desk: has the same key as alice"],
    ];
    for (const [value, expected] of cases) {
      const message = configError(named(value));
      expect(message).toContain(`invalid configuration: ${expected}`);
      expect(message).not.toContain(DESK);
      expect(message).not.toContain(ALICE);
      expect(message.split("\n")).toHaveLength(1);
    }
  });

  it("reads scoped keys from the deployed secret by the same rules", () => {
    expect(parseApiKeySecret(JSON.stringify(keys))).toEqual(keys);
    expect(
      configError(() => parseApiKeySecret(JSON.stringify({ desk: { key: DESK, can: ["x"] } }))),
    ).toMatch(/^invalid configuration: API_KEY_SECRET\.desk\.can: unknown verb "x"/);
  });
});

describe("Function: checkKeyAgents", () => {
  const served = new Map([
    ["refunds", {}],
    ["calculator", {}],
  ]);

  it("accepts keys of served agents and keys of every agent", () => {
    expect(() => checkKeyAgents(keys, served)).not.toThrow();
  });

  it("refuses a key of an agent not served, in one line naming the key name", () => {
    const message = configError(() =>
      checkKeyAgents({ desk: { key: DESK, agents: ["refundz"] } }, served),
    );
    expect(message).toBe(
      'invalid configuration: AGENT_API_KEYS.desk.agents: unknown agent "refundz" (served: refunds, calculator)',
    );
  });
});

describe("Function: createAuthorizer (scopes)", () => {
  const event = (authorization: string): APIGatewayRequestAuthorizerEventV2 =>
    ({
      version: "2.0",
      type: "REQUEST",
      routeKey: "GET /threads",
      headers: { authorization },
    }) as unknown as APIGatewayRequestAuthorizerEventV2;

  it("passes a scoped key's scope on, and none for a key of everything", async () => {
    const authorize = createAuthorizer(async () => JSON.stringify(keys));
    const desk = await authorize(event(`Bearer ${DESK}`));
    expect(desk).toEqual({
      isAuthorized: true,
      context: { principal: "desk", scope: '{"agents":["refunds"],"can":["read","decide"]}' },
    });
    expect(await authorize(event(`Bearer ${ALICE}`))).toEqual({
      isAuthorized: true,
      context: { principal: "alice" },
    });
  });
});

describe("Function: scopeOfRequest", () => {
  const request = (authorizer?: unknown): APIGatewayProxyEventV2 =>
    ({
      rawPath: "/threads",
      headers: {},
      requestContext: { http: { method: "GET", path: "/threads" }, authorizer },
    }) as unknown as APIGatewayProxyEventV2;

  it("is the scope the deployed authorizer passed on, everything when it passed none", () => {
    const scope = scopeToText({ agents: ["refunds"], can: ["read"] });
    expect(scopeOfRequest(request({ lambda: { principal: "desk", scope } }), undefined)).toEqual({
      agents: ["refunds"],
      can: ["read"],
    });
    expect(scopeOfRequest(request({ lambda: { principal: "alice" } }), undefined)).toEqual(
      FULL_SCOPE,
    );
  });

  it("grants nothing for a scope the API cannot read", () => {
    expect(
      scopeOfRequest(request({ lambda: { principal: "desk", scope: 42 } }), undefined),
    ).toEqual({ agents: [], can: [] });
  });

  it("is the local key's scope without an authorizer, and everything with no key", () => {
    expect(scopeOfRequest(request(), { can: ["read"] })).toEqual({ can: ["read"] });
    expect(scopeOfRequest(request(), undefined)).toEqual(FULL_SCOPE);
    expect(scopeOfRequest(request({ jwt: { claims: { sub: "x" } } }), undefined)).toEqual(
      FULL_SCOPE,
    );
  });
});

describe("Class: Guard (listings)", () => {
  // Threads of three agents, newest last: a key of two of them pages through the store's pages.
  const storeOf = async (agents: string[]) => {
    const store = new MemoryThreadStore();
    const clock = steppingClock();
    for (const [index, agent] of agents.entries()) {
      const launched = launch({ agent: calculator, threadId: `thr_${index}`, message: "1", clock });
      const thread = { ...launched, agent };
      await store.create({ thread, head: deriveHead(thread.events) });
    }
    return { store } as unknown as RuntimeDeps;
  };
  const guardOf = (scope: Scope) => new Guard("desk", scope, new Logger({ logLevel: "SILENT" }));

  it("shows a key of several agents only their threads, page after page", async () => {
    // Prepare
    const deps = await storeOf(["a", "c", "c", "b", "c", "c", "a"]);
    const guard = guardOf({ agents: ["a", "b"] });

    // Act: every page the listing hands out, two threads of the store at a time
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await guard.list(deps, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.threads.map((thread) => `${thread.threadId}:${thread.agent}`));
      cursor = page.next;
    } while (cursor);

    // Assess
    expect(seen).toEqual(["thr_6:a", "thr_3:b", "thr_0:a"]);
  });

  it("lists a key of one agent from that agent's listing, and refuses another agent's", async () => {
    const deps = await storeOf(["a", "b", "a"]);
    const guard = guardOf({ agents: ["a"] });
    const page = await guard.list(deps, { limit: 10 });
    expect(page.threads.map((thread) => thread.threadId)).toEqual(["thr_2", "thr_0"]);
    await expect(guard.list(deps, { limit: 10, agent: "b" })).rejects.toMatchObject({
      code: "forbidden",
      details: { missing: { agent: "b" } },
    });
  });
});
