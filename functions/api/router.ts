import { HttpError } from "./http.ts";
import type { Route } from "./route.ts";

/** The route for a method and path: 404 for an unknown path, 405 for a known path's other methods. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } {
  const segments = split(path);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(split(route.path), segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length > 0) {
    throw new HttpError(
      "method_not_allowed",
      `${method} is not allowed on ${path}; use ${allowed.join(", ")}`,
      {
        allowed,
      },
    );
  }
  throw new HttpError("route_not_found", `no route for ${method} ${path}`);
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

function matchPath(pattern: string[], segments: string[]): Record<string, string> | null {
  const greedy = pattern.at(-1)?.endsWith("+}") === true;
  if (greedy ? segments.length < pattern.length : pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (greedy && i === pattern.length - 1) {
      // `{name+}` takes the rest of the path, as API Gateway's greedy parameter does.
      try {
        params[part.slice(1, -2)] = segments.slice(i).map(decodeURIComponent).join("/");
      } catch {
        return null;
      }
    } else if (part.startsWith("{")) {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return null;
      }
      params[part.slice(1, -1)] = value;
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}
