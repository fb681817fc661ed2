import type { ReplayGuard } from "../core/ports.ts";

/** A `ReplayGuard` in memory, for tests. */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Set<string>();

  async claim(key: string): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  async release(key: string): Promise<void> {
    this.seen.delete(key);
  }
}
