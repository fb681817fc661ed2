import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { LocalStackError } from "./emulators.ts";

/** The lock file's name inside the data directory; `--fresh` keeps it. */
export const LOCK_FILE = "twelve.lock";

/** Held while a stale lock is replaced, so two starters cannot both take it over. */
const TAKEOVER_FILE = `${LOCK_FILE}.takeover`;

/** A takeover mutex older than this was left by a start that died mid-takeover. */
const TAKEOVER_STALE_MS = 5_000;

/** The directories this process holds (by resolved path): a lock file's pid alone cannot say. */
const held = new Set<string>();

/** Whether a process with this id runs (one of another user's counts: it cannot be signalled). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When process `pid` started (field 22 of `/proc/<pid>/stat`, clock ticks since boot), or
 * undefined where `/proc` does not say (macOS, Windows, a hidden process). With the pid it names
 * one process: a pid reused after a restart (pid 1 in a container) has another start time.
 */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command (field 2) is in parentheses and may hold spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[22 - 3];
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A lock file's text: `<pid> <start time> <host>` (the start time `-` where unknown). The host
 * tells two containers that share a mounted data directory apart: both may run as pid 1.
 */
const lockText = (pid: number): string => `${pid} ${startTimeOf(pid) ?? "-"} ${host()}\n`;

/** This machine's name, as a lock file holds it (no spaces). */
const host = (): string => hostname().replace(/\s+/g, "_") || "-";

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * The pid of the live process that holds a lock with this text, or undefined when the lock is
 * stale: unreadable (a start killed mid-write), its process gone, its pid now another process's
 * (a start time that differs), or this process's own pid on a directory it does not hold (a
 * stack killed before this process reused its pid).
 */
function liveHolder(
  text: string | undefined,
  path: string,
): { pid: number; host?: string } | undefined {
  const [pidText, startText, lockHost] = (text ?? "").trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // Another machine's process (another container on the same mount) cannot be asked: held.
  if (lockHost !== undefined && lockHost !== host()) return { pid, host: lockHost };
  const start = startText === "-" ? undefined : startText;
  if (pid === process.pid) return held.has(path) ? { pid } : undefined;
  if (!running(pid)) return undefined;
  const now = start ? startTimeOf(pid) : undefined;
  return now !== undefined && now !== start ? undefined : { pid };
}

/** Waits `ms` without giving up the thread (lockDataDir is synchronous). */
const pause = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Removes the lock at `file` if it still reads `stale`, under the takeover mutex: two starters
 * that both found the same stale lock cannot both remove it (the second would remove the lock
 * the first just wrote). False when another starter holds the mutex.
 */
function removeStale(path: string, file: string, stale: string | undefined): boolean {
  const mutex = join(path, TAKEOVER_FILE);
  try {
    writeFileSync(mutex, lockText(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmSync(mutex, { force: true });
    } catch {
      // gone meanwhile: the next attempt takes it
    }
    return false;
  }
  try {
    if (readText(file) === stale) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(mutex, { force: true });
  }
}

/**
 * Takes the data directory for this process: `<dir>/twelve.lock` holds its pid, where `/proc`
 * tells it the process's start time, and the host's name. A lock of another host (another
 * container on the same mounted directory) is refused, naming the file to remove if no stack
 * runs there. A lock whose process is gone (a stack killed with
 * SIGKILL), or whose pid now names another process (a container restarted: pid 1 again), is
 * stale and taken over; one held by a running process (another `twelve dev`, or another stack of
 * this process) is a `LocalStackError` in one line, thrown before anything in the directory is
 * touched. Returns the release, which removes the file if it is still this process's.
 *
 * @example
 * const release = lockDataDir(".data/dynamodb"); // ... release() on stop
 */
export function lockDataDir(dir: string): () => void {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  const file = join(path, LOCK_FILE);
  const mine = lockText(process.pid);
  for (let attempt = 0; ; attempt++) {
    const holder: { pid: number; host?: string } | undefined = held.has(path)
      ? { pid: process.pid }
      : undefined;
    if (holder === undefined) {
      try {
        writeFileSync(file, mine, { flag: "wx" });
        held.add(path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    const text = holder === undefined ? readText(file) : mine;
    const live = holder ?? liveHolder(text, path);
    if (live?.host) {
      throw new LocalStackError(
        `the data directory ${path} is in use by a local stack on ${live.host} (pid ${live.pid}): stop it, or, if none runs there, remove ${file}`,
      );
    }
    if (live !== undefined || attempt >= 20) {
      const who =
        live === undefined ? "a local stack starting" : `another local stack (pid ${live.pid})`;
      throw new LocalStackError(
        `the data directory ${path} is in use by ${who}: stop it, or give this one its own TWELVE_DATA_DIR`,
      );
    }
    // Stale: remove it (if no other starter is replacing it), then create ours again.
    if (!removeStale(path, file, text)) pause(20);
  }
  return () => {
    if (!held.delete(path)) return;
    if (readText(file) === mine) rmSync(file, { force: true });
  };
}

/** Empties a locked data directory for `--fresh`: everything in it but the lock. */
export function wipeDataDir(dir: string): void {
  const path = resolve(dir);
  for (const name of readdirSync(path)) {
    if (name !== LOCK_FILE && name !== TAKEOVER_FILE) {
      rmSync(join(path, name), { recursive: true, force: true });
    }
  }
}
