/**
 * Heap samples. With a garbage collector to call (`node --expose-gc`, or V8's flag set at run time) each sample is
 * the live heap after a full collection; without one, samples are noisy and the growth is a difference of medians.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapSample {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  readonly heapUsed: number;
}

export interface HeapGrowth {
  /** Median of the first samples after the warm-up. */
  readonly baseline: number;
  /** Median of the last samples under load. */
  readonly end: number;
  readonly growth: number;
  /** Whether each sample followed a full garbage collection. */
  readonly collected: boolean;
}

/** `global.gc` when Node exposes it; otherwise V8's `--expose-gc` set now and `gc` taken from a new context. */
export function findGc(): (() => void) | undefined {
  const exposed: unknown = Reflect.get(globalThis, 'gc');
  if (typeof exposed === 'function') return () => void Reflect.apply(exposed, globalThis, []);
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void Reflect.apply(gc, undefined, []) : undefined;
  } catch {
    return undefined;
  }
}

export function sampleHeap(gc: (() => void) | undefined, atMs: number): HeapSample {
  // Twice: the first collection can leave objects with finalizers for the next.
  gc?.();
  gc?.();
  return { atMs, heapUsed: process.memoryUsage().heapUsed };
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

/** How many samples each end's median takes. */
const WINDOW = 3;

/** Growth from the first samples after `warmupMs` to the last ones. */
export function heapGrowth(samples: readonly HeapSample[], warmupMs: number, collected: boolean): HeapGrowth {
  const afterWarmup = samples.filter((sample) => sample.atMs >= warmupMs);
  const first = afterWarmup.slice(0, WINDOW).map((sample) => sample.heapUsed);
  const last = afterWarmup.slice(-WINDOW).map((sample) => sample.heapUsed);
  const baseline = median(first);
  const end = median(last);
  return { baseline, end, growth: end - baseline, collected };
}
