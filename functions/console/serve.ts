import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { HttpError } from "../api/http.ts";

/**
 * The web console's files, built once (`buildConsole`): the page and its script and style, by
 * the path the browser asks for (`/console/assets/console.js`, …). They hold no secret: the
 * person signs in with an API key the page keeps in `sessionStorage`.
 */
export interface ConsoleAssets {
  /** The single page, served for `/console` and every client-side route under it. */
  "index.html": string;
  /** Other files by name, served under `/console/assets/`. */
  files: Record<string, { contentType: string; body: string }>;
}

/**
 * The headers every console response carries: a Content-Security-Policy with no inline script,
 * no `eval` and no other origin (the page talks to this API only), no framing, no MIME sniffing
 * and no referrer.
 */
export const consoleHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * The console's answer for `path` (below `/console`): a file under `assets/`, or the page for
 * any other path, so a deep link (`/console/threads/{id}`) works on reload.
 *
 * @example
 * serveConsole(assets, "threads/thr_1"); // 200, the page
 */
export function serveConsole(
  assets: ConsoleAssets | undefined,
  path: string,
): APIGatewayProxyStructuredResultV2 {
  if (!assets) {
    throw new HttpError("route_not_found", "this deployment serves no console");
  }
  if (path.startsWith("assets/")) {
    const name = path.slice("assets/".length);
    // Own properties only: `__proto__`, `constructor`, `toString` are on every object.
    const file = Object.hasOwn(assets.files, name) ? assets.files[name] : undefined;
    if (!file) throw new HttpError("route_not_found", `no console file ${path}`);
    return {
      statusCode: 200,
      headers: {
        ...consoleHeaders,
        "content-type": file.contentType,
        // Names carry a content hash: a new build is a new name.
        "cache-control": "public, max-age=31536000, immutable",
      },
      body: file.body,
    };
  }
  return {
    statusCode: 200,
    headers: {
      ...consoleHeaders,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
    },
    body: assets["index.html"],
  };
}
