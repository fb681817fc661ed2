import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// The unit tier alone, for Stryker (`npm run mutation`): the root settings of vitest.config.ts
// (the `twelve-source` condition, env, timeouts) and only its `unit` project.
type Project = { test?: { name?: string; exclude?: string[] } };
const isUnit = (project: unknown): project is Project =>
  typeof project === "object" && project !== null && (project as Project).test?.name === "unit";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    projects: (base.test?.projects ?? []).filter(isUnit).map((project) => ({
      ...project,
      test: {
        ...project.test,
        // The README examples run in child processes, where no mutant is ever active: they
        // cannot kill one, and only slow the run down.
        exclude: [...configDefaults.exclude, "test/unit/readme.test.ts"],
        // As in the unit project itself. Stryker reruns the tier once per mutant; importing the
        // modules once per worker instead of once per file makes that ten times faster, and a
        // static mutant still re-evaluates the module it mutates: each Stryker run starts fresh
        // workers.
        isolate: false,
        // The core loads before any test, so Stryker tells its static mutants apart (see the file).
        setupFiles: [
          ...((project.test as { setupFiles?: string[] }).setupFiles ?? []),
          "test/support/mutation-setup.ts",
        ],
      },
    })),
  },
});
