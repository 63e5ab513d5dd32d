/**
 * How many runs a property gets. The default test command uses `fallback` (at least 1,000 for the model
 * properties); `scripts/nightly-properties.sh` raises it with `FC_NUM_RUNS`. `FC_SEED` replays a reported failure.
 */
import type { Parameters } from 'fast-check';

const positiveInt = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : undefined;
};

export function numRuns(fallback: number): number {
  return positiveInt(process.env.FC_NUM_RUNS) ?? fallback;
}

/** fast-check parameters: the run count, and the seed and path of a failure to replay when given. */
export function propertyParameters<T>(fallback: number): Parameters<T> {
  const seedText = process.env.FC_SEED;
  const seed = seedText !== undefined && Number.isInteger(Number(seedText)) ? Number(seedText) : undefined;
  const path = process.env.FC_PATH;
  return {
    numRuns: numRuns(fallback),
    ...(seed === undefined || seedText === '' ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
  };
}

/** A per-test timeout that grows with the run count, so a nightly run with many runs is not cut short. */
export function timeoutFor(fallbackRuns: number, msPerRun: number, floorMs = 20_000): number {
  return Math.max(floorMs, numRuns(fallbackRuns) * msPerRun);
}
