/**
 * Timing. On a shared, busy machine the speed available to us changes from one moment to the next, so bare and
 * wrapped are measured side by side at the finest grain that still means something, and medians are used:
 *
 * - sequential: one request at a time, bare and wrapped alternating request by request (AB BA AB ...); each request
 *   is timed on its own.
 * - concurrent: waves of `concurrency` requests started together, bare and wrapped alternating wave by wave
 *   (AB BA ...); a wave's time is divided by its requests.
 *
 * A round's figure for a variant is its median request (or wave): one that another process pre-empted lands in the
 * tail, not in the median. The result is the median over the rounds.
 *
 * Each request (or wave) gets two figures: wall time, and the CPU time this process used meanwhile (the server is
 * another process), which leaves out the time that other processes held the cores. `process.cpuUsage()` is exact to
 * the microsecond on Linux; `process.threadCpuUsage()` is not (it moves in scheduler ticks), hence the process.
 */
import type { Call, ClientName, Subject } from './clients.ts';

export type Mode = 'sequential' | 'concurrent';

export interface MeasureOptions {
  /** Requests per variant per round. */
  readonly requests: number;
  readonly rounds: number;
  /** Requests per variant before the first round, not measured. */
  readonly warmup: number;
  /** Requests in flight in `concurrent` mode. */
  readonly concurrency: number;
  /** Largest acceptable wrapped/bare time per request. */
  readonly target: number;
}

/** Microseconds per request. */
export interface Sample {
  readonly wallUs: number;
  readonly cpuUs: number;
}

async function timed(run: () => Promise<void>, requests: number): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const wallUs = (performance.now() - started) * 1000;
  const { user, system } = process.cpuUsage(cpuBefore);
  return { wallUs: wallUs / requests, cpuUs: (user + system) / requests };
}

/** `count` calls started together. */
async function wave(call: Call, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, call));
}

const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Linear interpolation between the closest ranks; `values` must not be empty. */
const quantile = (values: readonly number[], q: number): number => {
  const ordered = sorted(values);
  const position = (ordered.length - 1) * q;
  const low = ordered[Math.floor(position)]!;
  const high = ordered[Math.ceil(position)]!;
  return low + (high - low) * (position - Math.floor(position));
};

const median = (values: readonly number[]): number => quantile(values, 0.5);

const medianSample = (samples: readonly Sample[]): Sample => ({
  wallUs: median(samples.map((sample) => sample.wallUs)),
  cpuUs: median(samples.map((sample) => sample.cpuUs)),
});

interface Round {
  readonly bare: Sample;
  readonly wrapped: Sample;
}

/** `steps` bare and `steps` wrapped steps of `perStep` requests, alternating AB BA ...; the median step of each. */
async function round(subject: Subject, steps: number, perStep: number): Promise<Round> {
  const step = (call: Call): Promise<Sample> =>
    timed(perStep === 1 ? call : () => wave(call, perStep), perStep);
  const bare: Sample[] = [];
  const wrapped: Sample[] = [];
  for (let i = 0; i < steps; i++) {
    if (i % 2 === 0) {
      bare.push(await step(subject.bare));
      wrapped.push(await step(subject.wrapped));
    } else {
      wrapped.push(await step(subject.wrapped));
      bare.push(await step(subject.bare));
    }
  }
  return { bare: medianSample(bare), wrapped: medianSample(wrapped) };
}

export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
}

const spread = (values: readonly number[]): Spread => ({
  median: median(values),
  p25: quantile(values, 0.25),
  p75: quantile(values, 0.75),
});

export interface VariantResult {
  /** 1e6 / the median wall time per request. */
  readonly reqPerSec: number;
  /** Median over the rounds, microseconds per request. */
  readonly wallUs: number;
  readonly cpuUs: number;
}

export interface Measurement {
  readonly client: ClientName;
  readonly mode: Mode;
  readonly inFlight: number;
  readonly bare: VariantResult;
  readonly wrapped: VariantResult;
  /**
   * The headline: wrapped over bare within each round, then the median (and quartiles) over the rounds. Pairing
   * within a round cancels the drift of a shared machine from one round to the next.
   */
  readonly ratio: { readonly wall: Spread; readonly cpu: Spread };
  /** Median wrapped / median bare (wall: = bare req/s / wrapped req/s); more exposed to drift than `ratio`. */
  readonly ratioOfMedians: { readonly wall: number; readonly cpu: number };
  /** `ratio.wall.median <= target`. */
  readonly withinTarget: boolean;
  readonly rounds: readonly Round[];
}

const variantResult = (samples: readonly Sample[]): VariantResult => {
  const { wallUs, cpuUs } = medianSample(samples);
  return { reqPerSec: 1e6 / wallUs, wallUs, cpuUs };
};

/** Warm-up, then `rounds` rounds in which bare and wrapped each send about `requests` requests. */
export async function measure(
  client: ClientName,
  subject: Subject,
  mode: Mode,
  options: MeasureOptions,
): Promise<Measurement> {
  const perStep = mode === 'sequential' ? 1 : options.concurrency;
  const steps = Math.max(1, Math.round(options.requests / perStep));
  const warmupSteps = Math.ceil(options.warmup / perStep);
  for (let i = 0; i < warmupSteps; i++) {
    await wave(subject.bare, perStep);
    await wave(subject.wrapped, perStep);
  }
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) rounds.push(await round(subject, steps, perStep));
  const bare = variantResult(rounds.map((r) => r.bare));
  const wrapped = variantResult(rounds.map((r) => r.wrapped));
  const ratio = {
    wall: spread(rounds.map((r) => r.wrapped.wallUs / r.bare.wallUs)),
    cpu: spread(rounds.map((r) => r.wrapped.cpuUs / r.bare.cpuUs)),
  };
  return {
    client,
    mode,
    inFlight: perStep,
    bare,
    wrapped,
    ratio,
    ratioOfMedians: { wall: wrapped.wallUs / bare.wallUs, cpu: wrapped.cpuUs / bare.cpuUs },
    withinTarget: ratio.wall.median <= options.target,
    rounds,
  };
}
