import { useEffect, useState } from "preact/hooks";
import { base } from "./api.ts";

/**
 * Client-side routes under `/console` with `history.pushState`: the server answers every one of
 * them with the same page, so a deep link or a reload lands on the same view.
 */

const NAVIGATED = "twelve:navigate";

/** The route below `/console`: `""` for the list, `threads/{id}` for a thread. */
const current = (): string =>
  location.pathname
    .slice(base.length)
    .replace(/^\/console\/?/, "")
    .replace(/\/+$/, "");

export const href = (route: string): string => `${base}/console${route ? `/${route}` : ""}`;

export const threadRoute = (threadId: string): string => `threads/${encodeURIComponent(threadId)}`;

export function navigate(route: string): void {
  history.pushState(null, "", href(route));
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

/** The current route; re-renders on back, forward and `navigate`. */
export function useRoute(): string {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/** A click that should stay in the page: a plain left click, no modifier (those open tabs). */
export const isPlainClick = (event: MouseEvent): boolean =>
  event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
