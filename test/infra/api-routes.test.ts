import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { routes } from "../../functions/api/routes.ts";
import { repoRoot } from "../support/repo.ts";

const generated = join(repoRoot, "infra", "constructs", "api-routes.gen.ts");

/** The route list the gateway needs, as `api-routes.gen.ts` holds it, formatted as biome would. */
function renderRouteList(): string {
  const list = routes.map((route) => ({
    method: route.method,
    path: route.path,
    ...(route.openAtGateway ? { openAtGateway: route.openAtGateway.reason } : {}),
  }));
  const source = `/**
 * The HTTP API's routes as the gateway needs them, generated from the router's route table
 * (\`functions/api/routes.ts\`) so that \`cdk synth\` loads no router: do not edit by hand.
 * test/infra/api-routes.test.ts fails when this file is stale; run it with UPDATE_API_ROUTES=1
 * after changing a route. \`openAtGateway\`: the route has no authorizer, and why.
 */
export const apiRoutes: readonly ApiRoute[] = ${JSON.stringify(list, null, 2)};

/** One route: its method, its path (\`{name}\` one segment, \`{name+}\` the rest). */
export interface ApiRoute {
  method: string;
  path: string;
  openAtGateway?: string;
}
`;
  return execFileSync(
    join(repoRoot, "node_modules", ".bin", "biome"),
    ["format", `--stdin-file-path=${generated}`],
    { input: source, encoding: "utf8", cwd: repoRoot },
  );
}

/** The modules `entry` loads at run time (type-only imports left out), by relative imports. */
function runtimeImports(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [resolve(entry)];
  for (let file = todo.pop(); file; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [statement, specifier] of source.matchAll(
      /(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["'](\.[^"']+)["']/g,
    )) {
      if (/^(?:import|export)\s+type\s/.test(statement) || !specifier) continue;
      const target = resolve(dirname(file), specifier);
      if (existsSync(target)) todo.push(target);
    }
  }
  return [...seen].map((file) => relative(repoRoot, file)).sort();
}

describe("HTTP API routes at synth", () => {
  it("are the router's routes: api-routes.gen.ts is generated from functions/api/routes.ts", () => {
    const fresh = renderRouteList();
    if (process.env.UPDATE_API_ROUTES) writeFileSync(generated, fresh);
    expect(
      readFileSync(generated, "utf8"),
      "run this test with UPDATE_API_ROUTES=1 to regenerate",
    ).toBe(fresh);
  });

  it("load no router, channel or console code: the construct's imports stop at infra/ and the schemas it shares", () => {
    const loaded = runtimeImports(join(repoRoot, "infra", "index.ts"));
    expect(loaded).toContain("infra/constructs/http-api.ts");
    expect(loaded).toContain("infra/constructs/api-routes.gen.ts");
    // The console's builder (esbuild over the console's sources) runs at synth; the console's
    // own code does not load.
    expect(
      loaded.filter(
        (file) =>
          /^functions\/(api|channels|console|handlers|worker)\//.test(file) &&
          file !== "functions/console/build.ts",
      ),
    ).toEqual([]);
  });
});
