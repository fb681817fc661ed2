import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** The names a Chromium goes by on the PATH, in the order they are tried. */
const names = ["chromium", "chromium-browser", "google-chrome"];

const install = "install Chromium (Debian: apt-get install -y chromium) or set CHROMIUM_PATH";

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;

const isDebian = () =>
  existsSync("/etc/debian_version") ||
  (existsSync("/etc/os-release") &&
    /^ID(_LIKE)?=.*debian/m.test(readFileSync("/etc/os-release", "utf8")));

/**
 * The path of a Chromium to drive: `CHROMIUM_PATH`, else one on the PATH; on Debian as root,
 * none found, it installs Debian's `chromium` (minutes, once). Otherwise it throws one line that
 * says how to install one: a browser test never skips silently.
 *
 * @example
 * const browser = await chromium.launch({ executablePath: findChromium() });
 */
export function findChromium(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  for (const name of names) {
    const found = onPath(name);
    if (found) return found;
  }
  if (isRoot() && isDebian()) {
    const options = {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    } as const;
    execFileSync("apt-get", ["update"], options);
    const result = spawnSync("apt-get", ["install", "-y", "chromium"], options);
    if (result.status !== 0) throw new Error(`apt-get install chromium failed: ${install}`);
    const found = onPath("chromium");
    if (found) return found;
  }
  throw new Error(`no Chromium found: ${install}`);
}

/**
 * A headless Chromium through playwright-core (`--no-sandbox` as root, where Chromium's sandbox
 * cannot start).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: isRoot() ? ["--no-sandbox"] : [],
  });
}
