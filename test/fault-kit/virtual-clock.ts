import type { Clock } from "../../shared/core/ports.ts";

/**
 * A clock that stands still until told to move: simulations advance it to the next thing that can
 * happen (a message becoming visible again, a reconciler run), so minutes of queue time take no
 * real time and every run with the same inputs is the same run.
 */
export class VirtualClock implements Clock {
  private ms: number;

  constructor(start: string | number = "2026-01-01T00:00:00.000Z") {
    this.ms = typeof start === "number" ? start : Date.parse(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Milliseconds since the epoch. */
  get millis(): number {
    return this.ms;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, not by ${ms} ms`);
    this.ms += ms;
  }

  /** Moves to `ms` (epoch millis) if that is later than now. */
  advanceTo(ms: number): void {
    this.ms = Math.max(this.ms, ms);
  }
}
