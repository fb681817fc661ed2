import { describe, expect, it } from "vitest";
import { type Import, importsOf, sourceFiles } from "../support/import-graph.ts";

/**
 * The layers (CONTRIBUTING.md, "Layout"): what each folder may import. A file takes the rule of
 * the longest folder that holds it; `may` lists the folders its relative imports may reach,
 * `packages` the bare imports it may use (unset: any package).
 */
interface Rule {
  folder: string;
  may: readonly string[];
  packages?: RegExp;
}

/** Where every adapter may reach: the core, the use cases, the config reader. */
const BELOW_ADAPTERS = ["shared/core", "shared/runtime", "shared/config"];
/** Every source folder but the test kit, which only tests and the `/testing` entry import. */
const ALL_BUT_TESTING = [
  "functions",
  "infra",
  "shared/core",
  "shared/runtime",
  "shared/config",
  "shared/aws",
  "shared/llm",
  "shared/mcp",
  "shared/channels",
  "shared/examples",
  "shared/evals",
  "shared/index.ts",
];

const rules: readonly Rule[] = [
  // The pure core: no AWS SDK, no openai, no I/O.
  { folder: "shared/core", may: ["shared/core"], packages: /^(zod|node:crypto)$/ },
  {
    folder: "shared/runtime",
    may: ["shared/core", "shared/runtime"],
    packages: /^(zod|node:crypto)$/,
  },
  {
    folder: "shared/testing",
    may: ["shared/core", "shared/runtime", "shared/testing"],
    packages: /^(zod|node:crypto)$/,
  },
  // Evals replay with the in-process runner; cassettes are files.
  {
    folder: "shared/evals",
    may: ["shared/core", "shared/runtime", "shared/evals"],
    packages: /^(zod|node:(crypto|fs|path))$/,
  },
  {
    folder: "shared/config",
    may: ["shared/core", "shared/config"],
    packages: /^(zod|node:(fs|path|url|module))$/,
  },
  // createRunner's host side: the environment's model, its settings read as the composition
  // root reads them, its adapter loaded from the package's own gated entry points.
  {
    folder: "shared/runtime/runner-environment.ts",
    may: ["shared/core", "shared/runtime", "functions/compose/settings/model.ts"],
    packages: /^twelve-agents\/(bedrock|openai)$/,
  },
  // Adapters: each over the ports, never into an edge, the infrastructure or another adapter.
  { folder: "shared/aws", may: [...BELOW_ADAPTERS, "shared/aws"] },
  { folder: "shared/llm", may: [...BELOW_ADAPTERS, "shared/llm"] },
  { folder: "shared/mcp", may: [...BELOW_ADAPTERS, "shared/mcp"] },
  { folder: "shared/channels", may: [...BELOW_ADAPTERS, "shared/channels"] },
  // Users of the public entry points only (see "the examples" below).
  {
    folder: "shared/examples",
    may: ["shared/examples"],
    packages: /^(zod|twelve-agents|twelve-agents\/testing)$/,
  },
  // The `.` entry: the core and the runner, no peer.
  { folder: "shared/index.ts", may: ["shared/core", "shared/runtime"], packages: /^$/ },
  // Edges and composition roots: anything in shared/ but the test kit; never the CDK app.
  { folder: "functions", may: ALL_BUT_TESTING.filter((folder) => folder !== "infra") },
  { folder: "infra", may: ALL_BUT_TESTING },
];

const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** The rule of a file: the one of the longest folder holding it. */
function ruleOf(file: string, table: readonly Rule[] = rules): Rule | undefined {
  return table
    .filter((rule) => inside(file, rule.folder))
    .sort((a, b) => b.folder.length - a.folder.length)[0];
}

/** The imports that break their file's rule, each with what it broke. */
function violations(imports: readonly Import[], table: readonly Rule[] = rules) {
  return imports.flatMap(({ file, module, target }) => {
    const rule = ruleOf(file, table);
    if (!rule) return [{ file, module, broken: "no rule for the file's folder" }];
    if (target !== undefined) {
      return rule.may.some((folder) => inside(target, folder))
        ? []
        : [{ file, module, broken: `${rule.folder} may import only ${rule.may.join(", ")}` }];
    }
    return !rule.packages || rule.packages.test(module)
      ? []
      : [{ file, module, broken: `${rule.folder} may import only the packages ${rule.packages}` }];
  });
}

const imports = sourceFiles("functions", "shared", "infra").flatMap((file) => importsOf(file));

describe("the layers", () => {
  it("every import of functions/, shared/ and infra/ keeps its folder's rule", () => {
    expect(imports.length).toBeGreaterThan(500);
    expect(violations(imports)).toEqual([]);
  });

  it.each([
    // An upward import out of the core, and one into an adapter.
    ["shared/core/step.ts", "../runtime/process-step.ts", "shared/core may import only"],
    ["shared/core/step.ts", "../aws/dynamo/dynamo-thread-store.ts", "shared/core may import only"],
    // The core and the use cases take no SDK.
    ["shared/core/step.ts", "@aws-sdk/client-dynamodb", "may import only the packages"],
    ["shared/runtime/process-step.ts", "openai", "may import only the packages"],
    // Use cases over the ports, not over an adapter.
    ["shared/runtime/redrive.ts", "../aws/sqs/queues.ts", "shared/runtime may import only"],
    // Adapters never reach into an edge, the CDK app or another adapter.
    ["shared/aws/sqs/queues.ts", "../../../functions/api/http.ts", "shared/aws may import only"],
    ["shared/channels/slack/channel.ts", "../../../functions/logger.ts", "may import only"],
    ["shared/channels/email/channel.ts", "../../aws/s3/payload-store.ts", "may import only"],
    ["shared/llm/openai-model.ts", "../../infra/settings.ts", "shared/llm may import only"],
    // Edges never import the CDK app; nothing but tests imports the test kit.
    ["functions/worker/app.ts", "../../infra/settings.ts", "functions may import only"],
    ["functions/worker/app.ts", "../../shared/testing/clock.ts", "functions may import only"],
    ["shared/runtime/runner.ts", "../testing/memory-store.ts", "shared/runtime may import only"],
    ["infra/local/stack.ts", "../../shared/testing/index.ts", "infra may import only"],
    // The `.` entry takes no package at all.
    ["shared/index.ts", "@aws-sdk/client-sqs", "may import only the packages"],
  ])("refuses %s importing %s", (file, module, broken) => {
    // Prepare: a synthetic source of the file, with one bad import
    const text = `// the file's other imports\nimport { bad } from "${module}";\n`;

    // Act
    const found = violations(importsOf(file, text));

    // Assess
    expect(found).toEqual([{ file, module, broken: expect.stringContaining(broken) }]);
  });

  it("accepts what the layers allow", () => {
    const allowed: [string, string][] = [
      ["shared/runtime/runner.ts", "../core/step.ts"],
      ["shared/aws/sqs/dead-letters.ts", "../../core/ports.ts"],
      ["shared/channels/slack/channel.ts", "../../config/read-env.ts"],
      ["functions/api/routes.ts", "../../shared/runtime/launch-thread.ts"],
      ["infra/local/stack.ts", "../../functions/worker/app.ts"],
      ["shared/testing/index.ts", "../runtime/memory-store.ts"],
    ];
    for (const [file, module] of allowed) {
      expect(violations(importsOf(file, `import { x } from "${module}";`))).toEqual([]);
    }
  });

  it("has a rule for every folder it reads", () => {
    expect(sourceFiles("functions", "shared", "infra").filter((file) => !ruleOf(file))).toEqual([]);
    expect(violations([{ file: "shared/new-folder/x.ts", module: "zod" }])).toEqual([
      { file: "shared/new-folder/x.ts", module: "zod", broken: "no rule for the file's folder" },
    ]);
  });
});

describe("the examples", () => {
  it("import the public entry points, as a user's product would", () => {
    const examples = imports.filter(({ file }) => inside(file, "shared/examples"));
    expect(examples.map(({ module }) => module)).toContain("twelve-agents");
    expect(violations(examples)).toEqual([]);
  });
});
