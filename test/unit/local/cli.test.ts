import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localLogLevel } from "../../../infra/local/log-level.ts";
import { reconcileEveryMs } from "../../../infra/local/reconcile-every.ts";
import { repoRoot } from "../../support/repo.ts";

const twelve = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, "infra/local/cli.ts"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });

describe("twelve --help", () => {
  it("prints the usage and the options on stdout, no error, exit 0", () => {
    // Act
    const run = twelve("--help");

    // Assess
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: twelve dev --agents <module>/);
    for (const option of ["--agents", "--fresh", "--verbose", "--help"]) {
      expect(run.stdout).toContain(option);
    }
  });

  it("an unknown option is an error naming it, then the usage, exit 1", () => {
    // Act
    const run = twelve("dev", "--bogus");

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain("usage: twelve dev");
  });
});

describe("Function: localLogLevel (twelve dev is quiet unless asked)", () => {
  it.each([
    [{}, false, "WARN"],
    [{}, true, "INFO"],
    [{ POWERTOOLS_LOG_LEVEL: "" }, false, "WARN"],
    [{ POWERTOOLS_LOG_LEVEL: "debug" }, false, "DEBUG"],
    [{ POWERTOOLS_LOG_LEVEL: "ERROR" }, true, "ERROR"],
  ] as const)("env %j, --verbose %s: %s", (env, verbose, level) => {
    expect(localLogLevel(env, verbose)).toBe(level);
  });
});

describe("Function: reconcileEveryMs (TWELVE_RECONCILE_SECONDS)", () => {
  it.each([
    [{}, 30_000],
    [{ TWELVE_RECONCILE_SECONDS: "" }, 30_000],
    [{ TWELVE_RECONCILE_SECONDS: "2" }, 2_000],
    [{ TWELVE_RECONCILE_SECONDS: "3600" }, 3_600_000],
  ] as const)("env %j: every %i ms", (env, ms) => {
    expect(reconcileEveryMs(env)).toBe(ms);
  });

  it.each(["0", "-5", "1.5", "3601", "soon"])(
    "%s is a one-line error naming the setting",
    (value) => {
      expect(() => reconcileEveryMs({ TWELVE_RECONCILE_SECONDS: value })).toThrow(
        `TWELVE_RECONCILE_SECONDS=${value} is not a whole number of seconds from 1 to 3600`,
      );
    },
  );
});
