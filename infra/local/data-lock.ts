import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalStackError } from "./emulators.ts";

/** The lock file's name inside the data directory; `--fresh` keeps it. */
export const LOCK_FILE = "twelve.lock";

/** Whether a process with this id runs (one of another user's counts: it cannot be signalled). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const holderOf = (file: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Takes the data directory for this process: `<dir>/twelve.lock` holds its pid. A lock whose
 * process is gone (a stack killed with SIGKILL) is stale and taken over; one held by a running
 * process (another `twelve dev`, or another stack of this process) is a `LocalStackError` in one
 * line, thrown before anything in the directory is touched. Returns the release, which removes
 * the file if it is still this process's.
 *
 * @example
 * const release = lockDataDir(".data/dynamodb"); // ... release() on stop
 */
export function lockDataDir(dir: string): () => void {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  const file = join(path, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 3) throw error;
    }
    const holder = holderOf(file);
    if (holder !== undefined && running(holder)) {
      throw new LocalStackError(
        `the data directory ${path} is in use by another local stack (pid ${holder}): stop it, ` +
          "or give this one its own TWELVE_DATA_DIR",
      );
    }
    // Stale (its process is gone) or unreadable (a start killed mid-write): take it over.
    rmSync(file, { force: true });
  }
  return () => {
    if (holderOf(file) === process.pid) rmSync(file, { force: true });
  };
}

/** Empties a locked data directory for `--fresh`: everything in it but the lock. */
export function wipeDataDir(dir: string): void {
  const path = resolve(dir);
  for (const name of readdirSync(path)) {
    if (name !== LOCK_FILE) rmSync(join(path, name), { recursive: true, force: true });
  }
}
