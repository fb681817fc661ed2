import { spawn } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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

/** Test files start side by side: one installs, the others wait for it (dpkg takes one at a time). */
const lock = join(tmpdir(), "twelve-agents-chromium-install.lock");
const STALE_LOCK_MS = 15 * 60_000;

/** Runs `apt-get ...args`, its output on the test's stderr; resolves with the exit code. */
function aptGet(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("apt-get", args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

async function installWithApt(): Promise<string | undefined> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process installs: wait for it, or take over a lock its crash left behind.
      const found = onPath("chromium");
      if (found) return found;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || Date.now() > deadline) {
        rmSync(lock, { recursive: true, force: true });
      }
      await sleep(1000);
    }
  }
  try {
    for (const args of [["update"], ["install", "-y", "chromium"]]) {
      const code = await aptGet(args).catch((error: Error) => error.message);
      if (code !== 0) {
        throw new Error(`apt-get ${args.join(" ")} failed (${code}): ${install}`);
      }
    }
    return onPath("chromium");
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The path of a Chromium to drive: `CHROMIUM_PATH`, else one on the PATH; on Debian as root,
 * none found, it installs Debian's `chromium` (minutes, once). Otherwise it throws one line that
 * says how to install one: a browser test never skips silently.
 *
 * @example
 * const browser = await chromium.launch({ executablePath: await findChromium() });
 */
export async function findChromium(): Promise<string> {
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
    const found = await installWithApt();
    if (found) return found;
  }
  throw new Error(`no Chromium found: ${install}`);
}

/**
 * A headless Chromium through playwright-core (`--no-sandbox` as root, where Chromium's sandbox
 * cannot start).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await findChromium(),
    headless: true,
    args: isRoot() ? ["--no-sandbox"] : [],
  });
}
