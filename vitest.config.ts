import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// In this repository `twelve-agents` resolves to its TypeScript sources (the examples and tests
// import it by name, as a user would); the packed package resolves to `dist/`.
const conditions = ["twelve-source", ...defaultServerConditions.filter((c) => c !== "module")];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    environment: "node",
    // Handlers log JSON through Powertools; tests assert behaviour, not log lines.
    env: { POWERTOOLS_LOG_LEVEL: "SILENT" },
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        // Worker threads start faster than forked processes, and a worker runs its files one after
        // another in one module graph (`isolate: false`) instead of loading it again for each file.
        // About 30 s of CPU instead of 90 s here. What a unit test file must leave behind for that:
        // CONTRIBUTING.md, "Test tiers".
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/llm/**/*.test.ts"],
          pool: "threads",
          isolate: false,
        },
      },
      {
        extends: true,
        // CDK template assertions, cdk-nag and the esbuild bundles: no emulators, no network.
        test: { name: "infra", include: ["test/infra/**/*.test.ts"], hookTimeout: 120_000 },
      },
      {
        extends: true,
        // Fault injection, duplicates and races on simulated SQS + Lambda (a virtual clock: no
        // waiting), plus one bounded run against DynamoDB Local. RELIABILITY_RUNS scales it.
        test: {
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      { extends: true, test: { name: "property", include: ["test/property/**/*.test.ts"] } },
      {
        extends: true,
        // `npm pack`, then a fresh project outside the repository installs and uses the tarball.
        test: {
          name: "consumer",
          include: ["test/consumer/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/browser/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
