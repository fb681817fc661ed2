import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import createClient from "openapi-fetch";
import openapiTS from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { docSnippet, promisedOutput } from "../support/readme.ts";
import { repoRoot } from "../support/repo.ts";
import { startTestStack } from "./local-stack.ts";
import type { paths } from "./openapi-client.gen.ts";

/**
 * A client generated from `GET /openapi.json` (openapi-typescript + openapi-fetch), as a user of
 * the API would make one, drives the API: its types are `openapi-client.gen.ts`, generated here
 * and typechecked with the tests. `UPDATE_OPENAPI_CLIENT=1` writes them anew after a change.
 */
const KEY = "openapi-client-key-0123456789";
const generated = join(repoRoot, "test", "integration", "openapi-client.gen.ts");
let stack: LocalStack;
let twelve: ReturnType<typeof createClient<paths>>;

beforeAll(async () => {
  stack = await startTestStack({ apiKey: KEY });
  twelve = createClient<paths>({
    baseUrl: stack.url,
    headers: { authorization: `Bearer ${KEY}` },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** The thread, once it has `status` (the poll gives up after a while). */
async function waitFor(id: string, status: string) {
  for (let tries = 0; tries < 300; tries++) {
    const { data } = await twelve.GET("/threads/{id}", { params: { path: { id } } });
    if (data?.status === status) return data;
    await sleep(50);
  }
  throw new Error(`thread ${id} never reached ${status}`);
}

describe("a client generated from the OpenAPI document", () => {
  it("is the one in the repository: the types the tests typecheck are today's document's", async () => {
    const { data: document } = await twelve.GET("/openapi.json");
    const types = execFileSync(
      join(repoRoot, "node_modules", ".bin", "biome"),
      ["format", `--stdin-file-path=${generated}`],
      { cwd: repoRoot, input: await openapiTS(document as never), encoding: "utf8" },
    );
    if (process.env.UPDATE_OPENAPI_CLIENT) writeFileSync(generated, types);
    expect(types, "run this test with UPDATE_OPENAPI_CLIENT=1 to regenerate").toBe(
      readFileSync(generated, "utf8"),
    );
  });

  it("launches, reads, answers an approval, forks and pages events with numbers", async () => {
    const launched = await twelve.POST("/threads", {
      body: { agent: "calculator", message: "10 / 5" },
    });
    expect(launched.response.status).toBe(202);
    const id = launched.data?.threadId ?? "";

    const waiting = await waitFor(id, "waiting_for_approval");
    const answered = await twelve.POST("/threads/{id}/responses", {
      params: { path: { id } },
      body: { callId: waiting.pending?.callId ?? "", approved: true },
    });
    expect(answered.response.status).toBe(202);
    const done = await waitFor(id, "done");
    expect(done.output).toBeDefined();

    const fork = await twelve.POST("/threads/{id}/fork", {
      params: { path: { id } },
      body: { version: 1 },
    });
    expect(fork.response.status).toBe(201);
    expect(fork.data?.forkedFrom).toMatchObject({ threadId: id, version: 1 });

    // Pages of two, `after` and `limit` as numbers, until `next` runs out: every event once.
    const pageAfter = (after: number) =>
      twelve.GET("/threads/{id}/events", { params: { path: { id }, query: { after, limit: 2 } } });
    const versions: number[] = [];
    let after: number | undefined = 0;
    while (after !== undefined) {
      const page = await pageAfter(after);
      expect(page.response.status).toBe(200);
      expect(page.data?.events.length).toBeLessThanOrEqual(2);
      versions.push(...(page.data?.events ?? []).map((event) => event.version));
      after = page.data?.next;
    }
    expect(versions).toEqual(done.events.map((_, i) => i + 1));
    expect(versions.length).toBe(done.version);

    const refused = await twelve.GET("/threads/{id}/events", {
      params: { path: { id }, query: { limit: 1001 } },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.error.code).toBe("invalid_query");
  });

  it("is the recipe of docs/http-api.md, which runs as written", async () => {
    const code = docSnippet("docs/http-api.md", "client.ts").code;
    expect(code).toContain("openapi-fetch");
    // Inside the repository, so its imports resolve (git ignores `.readme-*`).
    const dir = mkdtempSync(join(repoRoot, ".readme-client-"));
    try {
      writeFileSync(join(dir, "twelve-api.ts"), readFileSync(generated, "utf8"));
      writeFileSync(join(dir, "recipe.ts"), code);
      vi.stubEnv("TWELVE_URL", stack.url);
      vi.stubEnv("AGENT_API_KEY", KEY);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      await import(join(dir, "recipe.ts"));
      expect(log.mock.calls.map((call) => call.map(String).join(" "))).toEqual(
        promisedOutput(code),
      );
      log.mockRestore();
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
