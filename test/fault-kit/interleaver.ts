/** How an actor ended: its value, or what it threw. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Actor<C> {
  context: C;
}

/**
 * A deterministic scheduler for concurrent invocations (Lambda workers, API requests) in one
 * process. Each actor runs until it reaches a yield point (ports wrapped for a simulation call
 * `yield()` before every call), then the scheduler picks the next actor to go on with `random`.
 * The same seed gives the same interleaving, so a race found once is replayed at will.
 *
 * Only one actor runs at a time, so `current` always names the invocation a port call belongs to.
 * An actor must not run two port calls at once (no `Promise.all` over ports): each yield would
 * park it twice.
 *
 * @example
 * const runner = new Interleaver<string>(() => random.next());
 * const a = runner.spawn("worker", () => processStep(deps, message));
 * const b = runner.spawn("human", () => respondToThread(deps, threadId, reply));
 * await runner.run();
 * console.log(await a, await b);
 */
export class Interleaver<C> {
  private readonly ready: { actor: Actor<C>; resume: () => void }[] = [];
  private readonly random: () => number;
  private running: Actor<C> | undefined;
  private onPark: (() => void) | undefined;

  constructor(random: () => number) {
    this.random = random;
  }

  /** The context of the actor running now; undefined outside any actor. */
  get current(): C | undefined {
    return this.running?.context;
  }

  /** Actors waiting for their turn. */
  get waiting(): number {
    return this.ready.length;
  }

  /** Starts an actor; it runs only when `run()` picks it. Never rejects: see `Settled`. */
  spawn<T>(context: C, body: () => Promise<T>): Promise<Settled<T>> {
    const actor: Actor<C> = { context };
    return (async (): Promise<Settled<T>> => {
      await this.park(actor);
      try {
        return { ok: true, value: await body() };
      } catch (error) {
        return { ok: false, error };
      } finally {
        this.running = undefined;
        this.parked();
      }
    })();
  }

  /** A yield point: another actor may run before the caller goes on. No-op outside an actor. */
  async yield(): Promise<void> {
    const actor = this.running;
    if (actor) await this.park(actor);
  }

  /** Runs actors, one slice at a time in a seeded order, until every actor has finished. */
  async run(): Promise<void> {
    while (this.ready.length > 0) {
      const index = Math.floor(this.random() * this.ready.length);
      const [next] = this.ready.splice(index, 1);
      if (!next) break;
      const parked = new Promise<void>((resolve) => {
        this.onPark = resolve;
      });
      this.running = next.actor;
      next.resume();
      await parked;
    }
  }

  private park(actor: Actor<C>): Promise<void> {
    return new Promise<void>((resume) => {
      this.ready.push({ actor, resume });
      if (this.running === actor) {
        this.running = undefined;
        this.parked();
      }
    });
  }

  private parked(): void {
    const resolve = this.onPark;
    this.onPark = undefined;
    resolve?.();
  }
}
