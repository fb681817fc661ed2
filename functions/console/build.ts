import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import type { ConsoleAssets } from "./serve.ts";

/** The console's entry: a Preact single-page app. */
const entry = fileURLToPath(new URL("./ui/main.tsx", import.meta.url));

/**
 * Bundles the web console with esbuild: one script and one stylesheet, named by their content
 * hash, and the page that loads them (no inline script or style, so a strict CSP holds). Runs
 * where esbuild does: `twelve dev` at start, and CDK synthesis for the deployed API function.
 *
 * @example
 * const assets = buildConsole();
 * assets.files; // { "console-1a2b3c4d.js": {...}, "console-5e6f7a8b.css": {...} }
 */
export function buildConsole(): ConsoleAssets {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: "/console",
    entryNames: "console",
    legalComments: "none",
    logLevel: "silent",
  });
  const files: ConsoleAssets["files"] = {};
  const names: Record<string, string> = {};
  for (const output of result.outputFiles) {
    const extension = output.path.endsWith(".css") ? "css" : "js";
    const hash = createHash("sha256").update(output.contents).digest("hex").slice(0, 12);
    const name = `console-${hash}.${extension}`;
    names[extension] = name;
    files[name] = {
      contentType:
        extension === "css" ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
      body: output.text,
    };
  }
  const style = names.css
    ? `\n    <link rel="stylesheet" href="/console/assets/${names.css}">`
    : "";
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Twelve console</title>
    <link rel="icon" href="data:,">${style}
    <script type="module" src="/console/assets/${names.js}"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
  return { "index.html": page, files };
}
