/**
 * `npm run bench:sqlite`: builds better-sqlite3 (under LangGraph's SqliteSaver) for the Node that
 * runs the scripts. npm install does not run its install script and its prebuilt binaries come
 * from GitHub, so it is compiled with node-gyp against this Node's own headers, taken from the
 * registry's `node-<platform>-<arch>` package of the same version (a few minutes). The benchmark
 * leaves the SqliteSaver column out until it is built.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/repo.ts";

const pkg = `node-${process.platform}-${process.arch}@${process.versions.node}`;
const cache = join(repoRoot, "node_modules/.cache/twelve-node-headers", pkg);
const nodedir = join(cache, "package");
if (!existsSync(join(nodedir, "include/node/node_version.h"))) {
  mkdirSync(cache, { recursive: true });
  process.stderr.write(
    `bench:sqlite: fetching the headers of Node ${process.versions.node} (${pkg})\n`,
  );
  const tarball = execFileSync("npm", ["pack", pkg, "--pack-destination", cache], {
    encoding: "utf8",
  }).trim();
  execFileSync("tar", ["-xzf", join(cache, tarball), "-C", cache, "package/include"]);
}
execFileSync("npm", ["rebuild", "better-sqlite3", "--foreground-scripts", `--nodedir=${nodedir}`], {
  stdio: "inherit",
});
