import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOCK_FILE, lockDataDir, wipeDataDir } from "../../../infra/local/data-lock.ts";

describe("Function: lockDataDir (one local stack per data directory)", () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "twelve-lock-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a directory this process holds, and frees it on release", () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    expect(() => lockDataDir(dir)).toThrow(/in use by another local stack \(pid \d+\)/);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
  });

  it("takes over the lock of a stack that died without releasing it (SIGKILL)", () => {
    const dir = dataDir();
    // A process that has exited: its pid is not running any more.
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], {
      encoding: "utf8",
    });
    writeFileSync(join(dir, LOCK_FILE), dead.stdout);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    release();
  });

  it("wipes everything for --fresh but the lock", () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    writeFileSync(join(dir, "shared-local-instance.db"), "threads");
    wipeDataDir(dir);
    expect(existsSync(join(dir, "shared-local-instance.db"))).toBe(false);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    release();
  });
});
