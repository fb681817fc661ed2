import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../../shared/core/errors.ts";

/** What a file system error means, in a few words: one line, never a stack. */
export const fsReason = (cause: unknown): string => {
  const error = cause as NodeJS.ErrnoException;
  return error?.code === "EISDIR" ? "it is a folder" : (error?.message ?? String(cause));
};

/**
 * A dataset's text. A missing file is an error (`twelve eval run`), or an empty dataset to
 * create (`missing: "new"`, `twelve eval add`) when its folder is there; a folder or an unreadable
 * file is a `ConfigError`, in one line.
 */
export function readDatasetText(path: string, missing: "error" | "new" = "error"): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(`cannot read the dataset ${path}: ${fsReason(cause)}`, { cause });
    }
    if (missing === "error") throw new ConfigError(`no dataset at ${path}`, { cause });
  }
  checkOutputPath(path, "the dataset");
  return "";
}

/**
 * A file the command will write (`--json`, `--markdown`, a new dataset): its folder must exist
 * and it must not be a folder. Checked before anything runs, so a typo costs no replay.
 */
export function checkOutputPath(path: string, what: string): void {
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new ConfigError(`cannot write ${what} ${path}: there is no folder ${folder}`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new ConfigError(`cannot write ${what} ${path}: it is a folder`);
  }
}
