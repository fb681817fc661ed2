import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  LOCK_FILE,
  lockDataDir,
  startTimeOf,
  wipeDataDir,
} from "../../../infra/local/data-lock.ts";

const root = join(import.meta.dirname, "..", "..", "..");
/** This process's start time, as its lock file records it (Linux has `/proc`). */
const own = startTimeOf(process.pid);
/** This machine's name, as a lock file records it. */
const host = hostname().replace(/\s+/g, "_");

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
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid} ${own} ${host}\n`);
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
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid} ${own} ${host}\n`);
    release();
  });

  it("takes over a lock naming this process's pid when this process does not hold it (a reused pid)", () => {
    // A stack killed in a container before a restart gave this process the same pid
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid} ${own} ${host}\n`);
    release();
  });

  it("takes over a lock whose pid now names another process (its start time differs), refuses the live one", () => {
    // Prepare: a live process that is not this one (the parent), as after a restart reused its pid
    const dir = dataDir();
    const live = process.ppid;
    const started = startTimeOf(live);
    writeFileSync(join(dir, LOCK_FILE), `${live} ${started}\n`);

    // Act + Assess: the process that wrote it is the one running: refused, the lock kept
    expect(() => lockDataDir(dir)).toThrow(`in use by another local stack (pid ${live})`);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${live} ${started}\n`);
    // Another process had that pid when it wrote it: stale
    writeFileSync(join(dir, LOCK_FILE), `${live} ${Number(started) + 1}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid} ${own} ${host}\n`);
    release();
  });

  it("lets one of several starters racing for a stale lock win", async () => {
    // Prepare: a lock left by a stack that died; starters that hold what they take until told
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} ${Number(own) + 1}\n`);
    const script = [
      `import { lockDataDir } from ${JSON.stringify(join(root, "infra/local/data-lock.ts"))};`,
      `try { lockDataDir(${JSON.stringify(dir)}); console.log("won"); }`,
      `catch (e) { console.log(e.message.includes("in use by") ? "refused" : e.message); }`,
      `process.stdin.resume(); process.stdin.on("end", () => process.exit(0));`,
    ].join("\n");

    // Act
    const starters = Array.from({ length: 2 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: root }),
    );
    const said = await Promise.all(
      starters.map(
        (child) =>
          new Promise<string>((done) => {
            let out = "";
            child.stdout.on("data", (chunk: Buffer) => {
              out += chunk.toString();
              if (out.includes("\n")) done(out.trim());
            });
            child.on("exit", () => done(out.trim()));
          }),
      ),
    );
    for (const child of starters) child.stdin.end();

    // Assess
    expect(said.sort()).toEqual(["refused", "won"]);
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

  it("refuses the lock of a stack on another host (another container on the same mount), naming the file", () => {
    // Both containers may run as pid 1: only the host tells them apart
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} ${own} other-container\n`);
    expect(() => lockDataDir(dir)).toThrow(
      /in use by a local stack on other-container \(pid \d+\): stop it, or, if none runs there, remove \S+twelve\.lock$/,
    );
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(
      `${process.pid} ${own} other-container\n`,
    );
  });
});
