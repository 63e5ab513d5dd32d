/**
 * Timing. On a shared, busy machine the speed available to us changes from one moment to the next, so bare and
 * wrapped are measured side by side at the finest grain that still means something, and medians are used:
 *
 * - sequential: one request at a time, the variants (bare, floor, tokenrelay, peers) taking turns request by request,
 *   in an order shuffled afresh for each step (a seeded generator, so runs repeat); each request is timed on its own.
 *   Shuffled, every variant is as often first or last, as often right after itself (at a step boundary), and as
 *   often right after each other variant, as every other variant. The rotation used before 2026-12-03 put bare and
 *   the floor right after themselves one step in six (with three variants) and the adapter never: those two
 *   sometimes ran with their code still warm, the adapter never did.
 * - concurrent: waves of `concurrency` requests started together, the variants taking turns wave by wave; a wave's
 *   time is divided by its requests.
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

/** Per variant (in the subject's order), its median step in one round. */
export type Round = readonly Sample[];

/** A seeded generator of numbers in [0, 1) (mulberry32): the same orders in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The variants' indices in a random order (Fisher-Yates). */
export const shuffled = (count: number, random: () => number): number[] => {
  const order = Array.from({ length: count }, (_, k) => k);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
};

/** `steps` steps of `perStep` requests per variant, taking turns; each variant's median step. */
async function round(subject: Subject, steps: number, perStep: number, random: () => number): Promise<Round> {
  const step = (call: Call): Promise<Sample> =>
    timed(perStep === 1 ? call : () => wave(call, perStep), perStep);
  const samples = subject.variants.map((): Sample[] => []);
  for (let i = 0; i < steps; i++) {
    for (const index of shuffled(subject.variants.length, random)) {
      samples[index]!.push(await step(subject.variants[index]!.call));
    }
  }
  return samples.map(medianSample);
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
  readonly name: string;
  /** 1e6 / the median wall time per request. */
  readonly reqPerSec: number;
  /** Median over the rounds, microseconds per request. */
  readonly wallUs: number;
  readonly cpuUs: number;
  /**
   * This variant over bare within each round, then the median (and quartiles) over the rounds. Pairing within a
   * round cancels the drift of a shared machine from one round to the next.
   */
  readonly vsBare: { readonly wall: Spread; readonly cpu: Spread };
  /** The same, over the floor (an empty hook of the same client). */
  readonly vsFloor: { readonly wall: Spread; readonly cpu: Spread };
}

export interface Measurement {
  readonly client: ClientName;
  readonly mode: Mode;
  readonly inFlight: number;
  readonly variants: readonly VariantResult[];
  /** tokenrelay's `vsBare.wall.median <= target`. */
  readonly withinTarget: boolean;
  /** tokenrelay's `vsFloor.wall.median <= 1.01`. */
  readonly withinFloor: boolean;
}

/** Warm-up, then `rounds` rounds in which each variant sends about `requests` requests: the rounds, unsummarized. */
export async function collectRounds(subject: Subject, mode: Mode, options: MeasureOptions): Promise<Round[]> {
  const perStep = inFlightOf(mode, options);
  const steps = Math.max(1, Math.round(options.requests / perStep));
  const warmupSteps = Math.ceil(options.warmup / perStep);
  for (let i = 0; i < warmupSteps; i++) {
    for (const variant of subject.variants) await wave(variant.call, perStep);
  }
  const random = seededRandom(0x7e57);
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) rounds.push(await round(subject, steps, perStep, random));
  return rounds;
}

const inFlightOf = (mode: Mode, options: MeasureOptions): number =>
  mode === 'sequential' ? 1 : options.concurrency;

/**
 * The figures of `rounds` (from one process or pooled from several) for variants named `names` (in the rounds'
 * order; `bare` and `floor` among them).
 */
export function summarize(
  client: ClientName,
  names: readonly string[],
  mode: Mode,
  rounds: readonly Round[],
  options: MeasureOptions,
): Measurement {
  const bare = names.indexOf('bare');
  const floor = names.indexOf('floor');
  const against = (index: number, base: number) => ({
    wall: spread(rounds.map((r) => r[index]!.wallUs / r[base]!.wallUs)),
    cpu: spread(rounds.map((r) => r[index]!.cpuUs / r[base]!.cpuUs)),
  });
  const variants = names.map((name, index): VariantResult => {
    const { wallUs, cpuUs } = medianSample(rounds.map((r) => r[index]!));
    return {
      name,
      reqPerSec: 1e6 / wallUs,
      wallUs,
      cpuUs,
      vsBare: against(index, bare),
      vsFloor: against(index, floor),
    };
  });
  const tokenrelay = variants.find((variant) => variant.name === 'tokenrelay');
  return {
    client,
    mode,
    inFlight: inFlightOf(mode, options),
    variants,
    withinTarget: tokenrelay !== undefined && tokenrelay.vsBare.wall.median <= options.target,
    withinFloor: tokenrelay !== undefined && tokenrelay.vsFloor.wall.median <= 1.01,
  };
}

/** `collectRounds` and `summarize` in one process. */
export async function measure(
  client: ClientName,
  subject: Subject,
  mode: Mode,
  options: MeasureOptions,
): Promise<Measurement> {
  const rounds = await collectRounds(subject, mode, options);
  const names = subject.variants.map((variant) => variant.name);
  return summarize(client, names, mode, rounds, options);
}
