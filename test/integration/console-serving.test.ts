import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack } from "./local-stack.ts";

describe("the web console, served by the local stack's HTTP API", () => {
  const key = "console-key-0123456789";
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({ apiKey: key });
  });
  afterAll(() => stack?.stop());

  it("serves the page at /console and at every client route, without a key, with strict headers", async () => {
    for (const path of ["/console", "/console/", "/console/threads/thr_abc"]) {
      const response = await fetch(`${stack.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      const page = await response.text();
      expect(page).not.toMatch(/<script>|<style>| on\w+=/); // nothing inline
      expect(page).not.toContain(key);
    }
  });

  it("serves the page's script and stylesheet, and 404s a file it does not have", async () => {
    const page = await (await fetch(`${stack.url}/console`)).text();
    const files = [...page.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const response = await fetch(`${stack.url}${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/(javascript|css)/);
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
    const missing = await fetch(`${stack.url}/console/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      "route_not_found",
    );
  });

  it("404s an asset named like a property every object has, without leaking an error", async () => {
    const names = [
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "__defineGetter__",
    ];
    for (const name of names) {
      const response = await fetch(`${stack.url}/console/assets/${name}`);
      expect(response.status, name).toBe(404);
      const body = (await response.json()) as { error: unknown };
      expect(body.error).toEqual({
        code: "route_not_found",
        message: `no console file assets/${name}`,
      });
    }
  });

  it("lists the served agents for the launch form (behind the key)", async () => {
    expect((await client(stack).request("GET", "/agents")).status).toBe(401);
    const agents = await client(stack, key).request("GET", "/agents");
    expect(agents.status).toBe(200);
    expect(agents.body.agents.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(["calculator", "deploybot"]),
    );
    expect(agents.body.agents[0].tools[0]).toEqual({
      name: expect.any(String),
      kind: expect.any(String),
    });
  });
});
