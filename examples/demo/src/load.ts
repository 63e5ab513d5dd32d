/**
 * Runs several clients at once for a fixed time, each with a fixed number of requests in flight, and keeps a
 * live progress line: rewritten in place on a terminal, printed every few seconds otherwise.
 */
import type { DemoClient } from './clients.ts';

export interface ClientResult {
  readonly client: DemoClient;
  requests: number;
  succeeded: number;
  failed: number;
  /** Milliseconds from the start of the run to the first failed request. */
  firstFailureAt: number | undefined;
  /** The message of the first failure (tokenrelay's errors and the clients' HTTP errors carry no token). */
  firstFailure: string | undefined;
  elapsedMs: number;
}

export interface LoadOptions {
  readonly durationMs: number;
  /** Requests in flight per client. */
  readonly concurrency: number;
  /** Shown at the start of the progress line. */
  readonly title: string;
  readonly out: NodeJS.WriteStream;
}

const TICK_MS = 200;
const PLAIN_EVERY_MS = 2_000;

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

function progressLine(title: string, elapsedMs: number, results: readonly ClientResult[]): string {
  const sum = (pick: (r: ClientResult) => number): number => results.reduce((total, r) => total + pick(r), 0);
  const ok = results.map((r) => `${r.client.label} ${r.succeeded}`).join(', ');
  const refreshes = results.map((r) => r.client.refreshes()).join(' ');
  const seconds = (elapsedMs / 1000).toFixed(1).padStart(4);
  return `${title} ${seconds} s | ok: ${ok} | failed: ${sum((r) => r.failed)} | refreshes: ${refreshes}`;
}

async function worker(
  result: ClientResult,
  worker: number,
  started: number,
  deadline: number,
): Promise<void> {
  for (let n = 0; performance.now() < deadline; n += 1) {
    const id = `${result.client.label}-${worker}-${n}`;
    result.requests += 1;
    try {
      await result.client.get(id);
      result.succeeded += 1;
    } catch (error) {
      result.failed += 1;
      result.firstFailureAt ??= performance.now() - started;
      result.firstFailure ??= describeError(error);
    } finally {
      result.client.wire.forget(id);
    }
  }
}

/** Runs `clients` at the same time until `durationMs` has passed, then waits for the requests in flight. */
export async function runLoad(clients: readonly DemoClient[], options: LoadOptions): Promise<ClientResult[]> {
  const { out, title } = options;
  const results: ClientResult[] = clients.map((client) => ({
    client,
    requests: 0,
    succeeded: 0,
    failed: 0,
    firstFailureAt: undefined,
    firstFailure: undefined,
    elapsedMs: 0,
  }));
  const started = performance.now();
  const deadline = started + options.durationMs;
  let lastPlain = started;
  const tick = setInterval(() => {
    const now = performance.now();
    if (out.isTTY)
      out.write(`\r${progressLine(title, now - started, results).slice(0, (out.columns || 120) - 1)}\x1b[K`);
    else if (now - lastPlain >= PLAIN_EVERY_MS) {
      lastPlain = now;
      out.write(`${progressLine(title, now - started, results)}\n`);
    }
  }, TICK_MS);
  try {
    await Promise.all(
      results.map(async (result) => {
        await Promise.all(
          Array.from({ length: options.concurrency }, (_, i) => worker(result, i, started, deadline)),
        );
        result.elapsedMs = performance.now() - started;
      }),
    );
  } finally {
    clearInterval(tick);
  }
  const line = progressLine(title, performance.now() - started, results);
  out.write(out.isTTY ? `\r${line.slice(0, (out.columns || 120) - 1)}\x1b[K\n` : `${line}\n`);
  return results;
}
