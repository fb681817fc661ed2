import type { APIGatewayProxyEventV2 } from "aws-lambda";
import fc from "fast-check";
import { statuses, type Thread } from "../../shared/core/thread.ts";
import { SEED_KEY, seeds } from "./world.ts";

/*
 * Arbitraries for hostile input. Each mixes plain randomness with the shapes that break parsers
 * in practice: lone surrogates, control and bidi characters, invalid percent-encodings, bodies
 * nested ten thousand levels deep, strings far over every limit, and near-valid values with one
 * field wrong (pure noise rarely gets past the first check, so it tests little of the code).
 */

// --- strings ----------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Characters that have broken parsers, loggers and key schemes before. */
const nasty = fc.constantFrom(
  "\u0000",
  "\n",
  "\r",
  "\t",
  '"',
  "\\",
  "/",
  "%",
  "'",
  "<",
  "{",
  "[",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u202e",
  "\uffff",
  "😀",
  "é",
  "e\u0301",
  "👩‍👩‍👧",
);

const unit = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }), weight: 5 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: nasty, weight: 2 },
  { arbitrary: loneSurrogate, weight: 1 },
);

/** Any text: ASCII, all of Unicode, lone surrogates, control characters. */
export const text = (maxLength = 24, minLength = 0) => fc.string({ unit, minLength, maxLength });

/** A string far over (or right at) the API's limits: 32,000 characters, 64 KiB, 1 MiB. */
export const huge = fc
  .tuple(
    fc.constantFrom("x", "é", "😀", "\ud800", '"', "\\", " "),
    fc.oneof(
      fc.constantFrom(31_999, 32_000, 32_001, 65_536, 1_048_576),
      fc.integer({ min: 1, max: 200_000 }),
    ),
  )
  .map(([piece, length]) => piece.repeat(Math.max(1, Math.ceil(length / piece.length))));

// --- JSON ---------------------------------------------------------------------------------------

/**
 * JSON text nested `depth` levels deep, built as text: `JSON.stringify` itself overflows the
 * stack a few thousand levels down, which is the point of sending it.
 */
export const deepJson = fc
  .record({
    depth: fc.oneof(fc.constant(10_000), fc.integer({ min: 1, max: 40_000 })),
    kind: fc.constantFrom("array", "object", "mixed"),
    closed: fc.boolean(),
  })
  .map(({ depth, kind, closed }) => {
    const open = kind === "array" ? "[" : kind === "object" ? '{"a":' : '{"a":[';
    const close = kind === "array" ? "]" : kind === "object" ? "}" : "]}";
    const inner = kind === "array" ? "" : "null";
    return `${open.repeat(depth)}${inner}${closed ? close.repeat(depth) : ""}`;
  });

/** Nested `depth` levels deep, but balanced and valid, for values that must parse. */
export const validDeepJson = fc
  .oneof(fc.constant(10_000), fc.integer({ min: 1, max: 12_000 }), fc.integer({ min: 20, max: 80 }))
  .map((depth) => `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`);

/** Text that is almost JSON, or not JSON at all (plus a valid oddity: an escaped lone surrogate). */
export const invalidJson = fc.oneof(
  fc.constantFrom(
    "{",
    "}",
    "[",
    '{"agent": "calculator",',
    "{'agent': 'calculator'}",
    '{"agent": "calculator", "message": "1+1",}',
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": undefined}',
    '{"a": 01}',
    '{"a": "\\x41"}',
    '{"a": "\\ud800"}',
    '"\\u00"',
    "\ufeff{}",
    "{}{}",
    "null null",
    "// comment\n{}",
    "\u0000",
  ),
  fc.jsonValue().map((value) => {
    const json = JSON.stringify(value);
    return json.slice(0, Math.max(0, json.length - 1));
  }),
  text(64),
);

/** Any JSON text, including values no route expects (arrays, strings, null, numbers). */
export const anyJson = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.anything().map((value) => JSON.stringify(value) ?? "null"),
);

/** A value to put where a field was: any JSON value, a hostile or huge string, nothing. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  text(40),
  huge,
  fc.constantFrom(null, true, 0, -1, 1.5, 1e308, "", [], {}),
);

/** One change to an object: none (it stays valid), a field removed, retyped, or one added. */
export type Mutation =
  | { kind: "none" }
  | { kind: "delete"; key: string }
  | { kind: "set"; key: string; value: unknown }
  | { kind: "extra"; key: string; value: unknown };

export const mutation = (keys: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { arbitrary: fc.constant({ kind: "none" as const }), weight: 3 },
    fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom(...keys) }),
    {
      arbitrary: fc.record({
        kind: fc.constant("set" as const),
        key: fc.constantFrom(...keys),
        value: fieldValue,
      }),
      weight: 3,
    },
    fc.record({ kind: fc.constant("extra" as const), key: text(12), value: fieldValue }),
  );

export function mutate(body: Record<string, unknown>, change: Mutation): Record<string, unknown> {
  const copy = { ...body };
  if (change.kind === "delete") delete copy[change.key];
  // defineProperty, so a key named `__proto__` becomes a field like any other.
  if (change.kind === "set" || change.kind === "extra") {
    Object.defineProperty(copy, change.key, {
      value: change.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Raw-text changes no object can express: a deep or prototype-named field, duplicate keys. */
const rawChange = (json: string) =>
  fc.oneof(
    validDeepJson.map((deep) => `${json.slice(0, -1)},"metadata":{"deep":${deep}}}`),
    validDeepJson.map((deep) => `${json.slice(0, -1)},"deep":${deep}}`),
    fc.constant(`${json.slice(0, -1)},"metadata":{"__proto__":{"polluted":true}}}`),
    fc.constant(`${json.slice(0, -1)},"__proto__":{"agent":"calculator"}}`),
    fc.constant(`{"agent":"nope",${json.slice(1)}`),
    fc.constant(`${json.slice(0, -1)},"agent":"nope"}`),
    fc.constant(` \n\t${json}\n `),
    fc.constant(`${json}x`),
  );

// --- bodies -------------------------------------------------------------------------------------

const message = fc.oneof(
  fc.constantFrom("1 + 2", "10 / 5", "(3 + 4) / 2", "hello", "😀", "\ud800"),
  text(80, 1),
);

const metadata = fc.dictionary(text(12), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 });

/** A launch body that is valid, then (usually) has one thing wrong with it. */
export const nearLaunchBody: fc.Arbitrary<string> = fc
  .record({
    agent: fc.constantFrom("calculator", "deploybot"),
    message,
    metadata: fc.option(metadata, { nil: undefined }),
  })
  .map(({ metadata, ...rest }) => (metadata ? { ...rest, metadata } : rest))
  .chain((body) =>
    fc.oneof(
      {
        arbitrary: mutation(["agent", "message", "metadata"]).map((m) =>
          JSON.stringify(mutate(body, m)),
        ),
        weight: 6,
      },
      { arbitrary: rawChange(JSON.stringify(body)), weight: 1 },
    ),
  );

const sha = fc.stringMatching(/^[0-9a-f]{64}$/);

/** An answer for one of the seeded threads: often the one its pending call asks for. */
const answerFor = (thread: Thread): fc.Arbitrary<Record<string, unknown>> => {
  const last = [...thread.events].reverse();
  const approval = last.find((e) => e.type === "approval_requested");
  const question = last.find((e) => e.type === "human_input_requested");
  const callIds = [approval?.data.callId, question?.data.callId, "call_1", "call_999"];
  const callId = fc.oneof(
    fc.constantFrom(...callIds.filter((id): id is string => id !== undefined)),
    text(20),
  );
  const argsHash = fc.oneof(
    fc.constantFrom(...(approval ? [approval.data.argsHash] : []), "0".repeat(64)),
    sha,
    text(70),
  );
  const anyAnswer = fc.oneof(
    fc.record(
      {
        callId,
        approved: fc.boolean(),
        comment: fc.oneof(text(60), fc.constant("x".repeat(4_001))),
        argsHash,
      },
      { requiredKeys: ["callId", "approved"] },
    ),
    fc.record({ callId, response: fc.oneof(text(60, 1), fc.constant("y".repeat(32_001))) }),
  );
  const fitting = approval
    ? fc.record(
        {
          callId: fc.constant(approval.data.callId),
          approved: fc.boolean(),
          comment: text(60),
          argsHash: fc.constant(approval.data.argsHash),
        },
        { requiredKeys: ["callId", "approved"] },
      )
    : question
      ? fc.record({ callId: fc.constant(question.data.callId), response: text(60, 1) })
      : anyAnswer;
  return fc.oneof({ arbitrary: fitting, weight: 2 }, anyAnswer);
};

/** A seeded thread with a body answering it (valid, or one field wrong). */
export const nearResponse: fc.Arbitrary<{ thread: Thread; body: string }> = fc
  .constantFrom(...Object.values(seeds))
  .chain((thread) =>
    answerFor(thread).chain((answer) =>
      fc
        .oneof(
          {
            arbitrary: mutation(["callId", "approved", "comment", "argsHash", "response"]).map(
              (m) => JSON.stringify(mutate(answer, m)),
            ),
            weight: 6,
          },
          { arbitrary: rawChange(JSON.stringify(answer)), weight: 1 },
        )
        .map((body) => ({ thread, body })),
    ),
  );

/** Anything a client could send as a body, from nothing to megabytes. */
export const anyBody: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("", " ", "\n", "null", "{}", "[]", '""', "0", "true"),
  anyJson,
  invalidJson,
  deepJson,
  huge,
  huge.map((s) => JSON.stringify({ agent: "calculator", message: s })),
  nearLaunchBody,
  nearResponse.map(({ body }) => body),
);

// --- requests -----------------------------------------------------------------------------------

export const methods = fc.oneof(
  { arbitrary: fc.constantFrom("GET", "POST"), weight: 4 },
  fc.constantFrom(
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "get",
    "Post",
    "",
  ),
  text(12),
);

/** A seeded id, sometimes percent-encoded (which the router decodes) in upper or lower case. */
const knownId = fc
  .constantFrom(...Object.values(seeds).map((thread) => thread.id))
  .chain((id) =>
    fc.oneof(fc.constant(id), fc.constant(encodeAll(id)), fc.constant(encodeAll(id).toLowerCase())),
  );

const encodeAll = (id: string): string =>
  [...Buffer.from(id, "utf8")]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
    .join("");

/** One path segment: a seeded id, unicode, invalid or overlong percent-encodings, dot segments. */
export const segment = fc.oneof(
  { arbitrary: knownId, weight: 4 },
  fc.constantFrom(
    "thr_doesnotexist",
    "%",
    "%%",
    "%zz",
    "%E0%A4%A",
    "%C0%80",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%00",
    "%2F",
    "%252F",
    "..",
    ".",
    "thr_seed1%00",
    "a".repeat(129),
    "x".repeat(10_000),
  ),
  text(30),
  text(30).map((s) => encodeURIComponent(s.toWellFormed())),
  fc.webSegment(),
);

/**
 * What a `POST /callbacks/{token}` names: a well-shaped token of a seeded thread (forged: no seed
 * waits on a callback) or of none, a token cut short or grown long, and any other segment.
 */
export const callbackTokenSegment = fc.oneof(
  fc
    .tuple(knownId, fc.base64String({ minLength: 16, maxLength: 64 }))
    .map(([id, secret]) => `${id}.${secret.replace(/[+/=]/g, "_")}`),
  fc.constantFrom(
    "thr_doesnotexist.AAAAAAAAAAAAAAAAAAAAAA",
    "thr_seed1.short",
    `thr_seed1.${"A".repeat(65)}`,
    `${"t".repeat(129)}.AAAAAAAAAAAAAAAAAAAAAA`,
    ".AAAAAAAAAAAAAAAAAAAAAA",
    "thr_seed1.",
    "thr_seed1..AAAAAAAAAAAAAAAAAAAAAA",
    "thr_seed1%2EAAAAAAAAAAAAAAAAAAAAAA",
  ),
  segment,
);

/** Paths shaped like the routes (so they reach the handlers) and paths shaped like nothing. */
export const paths = fc.oneof(
  { arbitrary: fc.constantFrom("/health", "/threads", "/threads/", "//threads", "/"), weight: 2 },
  { arbitrary: segment.map((id) => `/threads/${id}`), weight: 3 },
  { arbitrary: segment.map((id) => `/threads/${id}/context`), weight: 2 },
  { arbitrary: segment.map((id) => `/threads/${id}/responses`), weight: 3 },
  { arbitrary: callbackTokenSegment.map((token) => `/callbacks/${token}`), weight: 2 },
  fc.tuple(segment, segment).map(([a, b]) => `/threads/${a}/${b}`),
  fc.constantFrom("/hooks/github", "/hooks", "/hooks/github/x"),
  segment.map((source) => `/hooks/${source}`),
  fc.webPath(),
  text(40).map((s) => `/${s}`),
  text(40),
  fc.constant(`/${"a/".repeat(5_000)}`),
);

const statusValues = fc.constantFrom(...statuses);

const queryValue = fc.oneof(
  statusValues,
  fc.constantFrom("", "0", "1", "50", "100", "101", "-1", "1.5", "1e2", "Infinity", "NaN", " 7"),
  fc.constantFrom("0x10", "sleeping", "calculator", "2", "bm9wZQ", "-0", "1,2"),
  text(20),
  huge,
);

/** Query parameters: the listing's own (valid or not), duplicates of them, unknown ones. */
export const queries = fc.option(
  fc.oneof(
    fc
      .record(
        {
          status: statusValues,
          limit: fc.integer({ min: 1, max: 100 }).map(String),
          agent: fc.constantFrom("calculator", "deploybot"),
          cursor: fc.nat({ max: 8 }).map(String),
        },
        { requiredKeys: ["status"] },
      )
      .chain((query) =>
        mutation(["status", "limit", "agent", "cursor"]).map((m) => stringValues(mutate(query, m))),
      ),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom("status", "agent", "limit", "cursor", "__proto__", "constructor"),
        text(10),
      ),
      queryValue,
      { maxKeys: 5 },
    ),
  ),
  { nil: undefined },
);

/** API Gateway hands query values over as strings; a mutation may have put in anything. */
function stringValues(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    Object.defineProperty(out, key, {
      value: typeof value === "string" ? value : (JSON.stringify(value) ?? ""),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export const idempotencyKeys = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 128,
  }),
  fc.constantFrom(SEED_KEY, "", " ", "a b", "x".repeat(129), "ключ", "\ud800", "k\n"),
  text(20),
);

const headerNames = fc.oneof(
  fc.constantFrom(
    "content-type",
    "Content-Type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "idempotency-key",
    "Idempotency-Key",
    "IDEMPOTENCY-KEY",
    "authorization",
    "Authorization",
    "AUTHORIZATION",
    "x-forwarded-for",
    "host",
    "cookie",
    "__proto__",
    "constructor",
    "",
  ),
  text(20),
);

const headerValues = fc.oneof(
  fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-16", "", " "),
  fc.constantFrom("gzip", "chunked", "-1", "999999999999"),
  text(40),
  huge.map((s) => s.slice(0, 20_000)),
);

/** Random headers, sometimes with an idempotency key in any case. */
export const headers = fc
  .record({
    random: fc.dictionary(headerNames, headerValues, { maxKeys: 6 }),
    key: fc.option(
      fc.tuple(fc.constantFrom("idempotency-key", "Idempotency-Key"), idempotencyKeys),
      { nil: undefined },
    ),
  })
  .map(({ random, key }) => {
    const out = { ...random };
    if (key) out[key[0]] = key[1];
    return out;
  });

/** What a client sends, before API Gateway turns it into an event. */
export interface HttpCase {
  method: string;
  path: string;
  query: Record<string, string> | undefined;
  headers: Record<string, string>;
  body: string | undefined;
  /** Whether the body is sent base64-encoded (API Gateway's flag for binary bodies). */
  base64: "no" | "encoded" | "garbage";
}

const base64Flag = fc.oneof(
  { arbitrary: fc.constant("no" as const), weight: 8 },
  fc.constantFrom("encoded" as const, "garbage" as const),
);

/** Anything at all, anywhere. */
export const chaosCase: fc.Arbitrary<HttpCase> = fc.record({
  method: methods,
  path: paths,
  query: queries,
  headers,
  body: anyBody,
  base64: base64Flag,
});

/** A launch, nearly valid, with hostile headers and an occasional odd method or path. */
export const launchCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.oneof({ arbitrary: fc.constant("POST"), weight: 9 }, methods),
  path: fc.oneof({ arbitrary: fc.constant("/threads"), weight: 9 }, paths),
  query: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, queries),
  headers,
  body: nearLaunchBody,
  base64: base64Flag,
});

/** An answer to a seeded thread, nearly valid. */
export const responseCase: fc.Arbitrary<HttpCase> = fc
  .record({
    answer: nearResponse,
    encoded: fc.boolean(),
    headers,
    base64: base64Flag,
  })
  .map(({ answer, encoded, headers, base64 }) => ({
    method: "POST",
    path: `/threads/${encoded ? encodeAll(answer.thread.id) : answer.thread.id}/responses`,
    query: undefined,
    headers,
    body: answer.body,
    base64,
  }));

/** Answers by callback token: forged and malformed tokens, any body, hostile headers. */
export const callbackCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.oneof({ arbitrary: fc.constant("POST"), weight: 9 }, methods),
  path: fc.oneof(
    { arbitrary: callbackTokenSegment.map((token) => `/callbacks/${token}`), weight: 9 },
    fc.constantFrom("/callbacks", "/callbacks/", "/callbacks/a/b"),
  ),
  query: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, queries),
  headers,
  body: anyBody,
  base64: base64Flag,
});

/** Reads of seeded threads and listings, with hostile queries. */
export const readCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.oneof({ arbitrary: fc.constant("GET"), weight: 9 }, methods),
  path: fc.oneof(
    fc.constant("/threads"),
    fc.constant("/health"),
    knownId.map((id) => `/threads/${id}`),
    knownId.map((id) => `/threads/${id}/context`),
    paths,
  ),
  query: queries,
  headers,
  body: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, anyBody),
  base64: base64Flag,
});

/** Deep and huge bodies sent to the routes that read bodies. */
export const heavyCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constant("POST"),
  path: fc.oneof(
    fc.constant("/threads"),
    knownId.map((id) => `/threads/${id}/responses`),
  ),
  query: fc.constant(undefined),
  headers: fc.constant({ "content-type": "application/json" }),
  body: fc.oneof(
    deepJson,
    validDeepJson,
    validDeepJson.map(
      (deep) => `{"agent":"calculator","message":"1 + 2","metadata":{"d":${deep}}}`,
    ),
    validDeepJson.map((deep) => `{"agent":"calculator","message":${deep}}`),
    validDeepJson.map((deep) => `{"callId":"call_1","approved":true,"comment":${deep}}`),
    huge,
    huge.map((s) => JSON.stringify({ agent: "calculator", message: s })),
    huge.map((s) => JSON.stringify({ agent: "calculator", message: "1", metadata: { s } })),
    huge.map((s) => JSON.stringify({ callId: "call_1", response: s })),
  ),
  base64: base64Flag,
});

/** The event API Gateway (HTTP API, payload format 2.0) builds for `request`. */
export function toEvent(request: HttpCase): APIGatewayProxyEventV2 {
  const body =
    request.body === undefined
      ? undefined
      : request.base64 === "encoded"
        ? Buffer.from(request.body, "utf8").toString("base64")
        : request.body;
  const rawQueryString = request.query
    ? Object.entries(request.query)
        .map(
          ([k, v]) =>
            `${encodeURIComponent(k.toWellFormed())}=${encodeURIComponent(v.toWellFormed())}`,
        )
        .join("&")
    : "";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: request.path,
    rawQueryString,
    headers: request.headers,
    ...(request.query ? { queryStringParameters: request.query } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "property",
      domainName: "localhost",
      domainPrefix: "property",
      http: {
        method: request.method,
        path: request.path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "fast-check",
      },
      requestId: "request-id",
      routeKey: "$default",
      stage: "$default",
      time: "01/Jan/2026:00:00:00 +0000",
      timeEpoch: 1_767_225_600_000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: body !== undefined && request.base64 !== "no",
  };
}

// --- signed webhooks ----------------------------------------------------------------------------

/** The body as the handler reads it: a "garbage" body is base64-decoded as it stands. */
export const rawText = (request: HttpCase): string =>
  request.base64 === "garbage"
    ? Buffer.from(request.body ?? "", "base64").toString("utf8")
    : (request.body ?? "");

/** A response body for a seeded thread with the thread's id added, as a webhook carries it. */
const hookAnswer = nearResponse.map(({ thread, body }) =>
  body.startsWith("{") && body.trimEnd().endsWith("}")
    ? `{"threadId":${JSON.stringify(thread.id)}${body.trim() === "{}" ? "" : ","}${body.trim().slice(1)}`
    : body,
);

/** How a webhook request is signed: right, or wrong in one way. */
export type Signing = "valid" | "other-secret" | "other-body" | "uppercase" | "junk" | "missing";

export interface WebhookCase {
  request: HttpCase;
  signing: Signing;
  fresh: boolean;
}

/**
 * `POST /hooks/{source}` requests, mostly signed right (so they reach the body parser and the
 * runtime), some signed wrong, stale, for an unknown source, or with a junk timestamp.
 */
export const webhookCase = (
  source: string,
  secret: string,
  nowSeconds: number,
  sign: (secret: string, timestamp: string, body: string) => string,
): fc.Arbitrary<WebhookCase> =>
  fc
    .record({
      source: fc.oneof(
        { arbitrary: fc.constant(source), weight: 8 },
        fc.constantFrom(source.toUpperCase(), "__proto__", "constructor", "hasOwnProperty", ""),
        segment,
      ),
      body: fc.oneof(
        { arbitrary: nearLaunchBody, weight: 3 },
        { arbitrary: hookAnswer, weight: 3 },
        anyBody,
      ),
      timestamp: fc.oneof(
        {
          arbitrary: fc.integer({ min: nowSeconds - 290, max: nowSeconds + 290 }).map(String),
          weight: 8,
        },
        fc.integer({ min: nowSeconds + 301, max: nowSeconds + 10_000_000 }).map(String),
        fc.integer({ min: 0, max: nowSeconds - 301 }).map(String),
        fc.constantFrom("", "1e9", "-1", "9999999999999", ` ${nowSeconds}`, `${nowSeconds}.0`),
        text(16),
      ),
      signing: fc.oneof(
        { arbitrary: fc.constant<Signing>("valid"), weight: 8 },
        fc.constantFrom<Signing>("other-secret", "other-body", "uppercase", "junk", "missing"),
      ),
      junk: text(80),
      headers,
      method: fc.oneof({ arbitrary: fc.constant("POST"), weight: 9 }, methods),
      base64: base64Flag,
    })
    .map(({ source: name, body, timestamp, signing, junk, headers, method, base64 }) => {
      const request: HttpCase = {
        method,
        path: `/hooks/${name}`,
        query: undefined,
        headers: { ...headers },
        body,
        base64,
      };
      const raw = rawText(request);
      const signature = {
        valid: () => sign(secret, timestamp, raw),
        "other-secret": () => sign(`${secret}x`, timestamp, raw),
        "other-body": () => sign(secret, timestamp, `${raw} `),
        uppercase: () => sign(secret, timestamp, raw).toUpperCase(),
        junk: () => junk,
        missing: () => undefined,
      }[signing]();
      request.headers["x-twelve-timestamp"] = timestamp;
      if (signature !== undefined) request.headers["x-twelve-signature"] = signature;
      const seconds = Number(timestamp);
      const fresh = /^\d{1,12}$/.test(timestamp) && Math.abs(seconds - nowSeconds) <= 290;
      return { request, signing, fresh };
    });
