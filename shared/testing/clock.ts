import type { Clock } from "../core/ports.ts";

/** A clock that starts at `start` and moves `stepMs` forward on every reading. */
export function steppingClock(start = "2026-01-01T00:00:00.000Z", stepMs = 1000): Clock {
  let next = Date.parse(start);
  return {
    now: () => {
      const now = new Date(next);
      next += stepMs;
      return now;
    },
  };
}
