import type { ConsoleAssets } from "../console/serve.ts";

let built: Promise<ConsoleAssets> | undefined;

/**
 * The console's files: the assets given, or (`true`) built once per process with esbuild by the
 * same builder `twelve dev` and the construct use, loaded only when a server asks for a console.
 */
export function loadConsole(console: true | ConsoleAssets): Promise<ConsoleAssets> {
  if (console !== true) return Promise.resolve(console);
  built ??= import("../console/build.ts").then(({ buildConsole }) => buildConsole());
  return built;
}
