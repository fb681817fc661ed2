/**
 * How much of the reliability suite runs. `npm test` runs a bounded number of seeded runs per
 * property, the same ones every time; `RELIABILITY_RUNS=5000` runs more, and
 * `RELIABILITY_SEED=<n>` (or `random`) draws other schedules. A failure prints the seed and the
 * shrunk crash schedule that reproduce it.
 */
export function runs(fallback: number): number {
  const wanted = Number(process.env.RELIABILITY_RUNS);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : fallback;
}

const seedSetting = process.env.RELIABILITY_SEED;

/** fast-check's seed for every property of the suite. */
export const SEED =
  seedSetting === "random"
    ? Date.now() % 2 ** 31
    : Number.isInteger(Number(seedSetting)) && seedSetting
      ? Number(seedSetting)
      : 20_260_101;
