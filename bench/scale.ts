/**
 * N requests waiting on one refresh. Each cell (one library, one N) runs in a child process of its own (with
 * `--expose-gc`, a hard timeout), with the emulation in a grandchild process, so that the heap measured is the
 * client's alone:
 *
 * 1. a fresh grant whose access token is expired for the server and the client; the library is created (a
 *    keep-alive pool of `SCALE_POOL` connections, tokenrelay's `queue.maxWaiters` raised to N); gc, heap baseline;
 * 2. the token endpoint's gate is closed; N GETs are started together; once the token call waits at the gate and
 *    the API has seen no request for 500 ms (the peers that learn of the expiry from 401s have had theirs), gc and
 *    the heap again: (heap - baseline) / N is the heap per waiting request;
 * 3. the gate opens; the time from the token response to the last request settling, the wall and CPU time from
 *    starting the requests to the last one settling, the token calls and the successes are recorded.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startEmulation } from './emulation.ts';
import { libraryById, type Outcome } from './libraries.ts';

export interface ScaleCell {
  readonly library: string;
  readonly n: number;
  readonly tokenCalls: number;
  readonly successes: number;
  /** Requests not settled when the cell gave up. */
  readonly unsettled: number;
  /** Outcome -> count. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** From the (last) token response to the last request settling. */
  readonly replayMs: number;
  /** From starting the requests to the last one settling. */
  readonly wallMs: number;
  /**
   * The cell process's CPU time (user + system) over the same span: the client's work (the server runs in another
   * process), two forced GCs included; less disturbed by other work on the machine than `wallMs`.
   */
  readonly cpuMs?: number;
  readonly heapPerWaiterBytes: number;
  /** Why requests rejected without a response: up to 5 kinds, with their counts. */
  readonly rejections: Readonly<Record<string, number>>;
  readonly error?: string;
}

const ROLE_FLAG = '--tokenrelay-bench-scale-cell';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = (): number => performance.timeOrigin + performance.now();

/** Runs in the cell's process. */
async function cell(
  libraryId: string,
  n: number,
  pool: number,
  settleTimeoutMs: number,
  report: (cell: ScaleCell) => void,
): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the scale cell needs --expose-gc');
  const heap = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const emulation = await startEmulation();
  try {
    const tokens = await emulation.issue({ expiredAtServer: true, expiredAtClient: true });
    const rejections: Record<string, number> = {};
    const onError = (reason: string): void => {
      if (reason in rejections || Object.keys(rejections).length < 5)
        rejections[reason] = (rejections[reason] ?? 0) + 1;
    };
    const library = await libraryById(libraryId).create({ emulation, tokens, pool, maxWaiters: n, onError });
    try {
      const url = `${emulation.apiOrigin}/data`;
      await emulation.closeGate();
      const baseline = heap();
      const outcomes: Outcome[] = [];
      let lastSettledAt = 0;
      let cpuMs = Number.NaN;
      const cpuStart = process.cpuUsage();
      const started = nowMs();
      const all = new Array<Promise<void>>(n);
      for (let i = 0; i < n; i++) {
        all[i] = library.get(url).then((outcome) => {
          outcomes.push(outcome);
          lastSettledAt = nowMs();
          if (outcomes.length === n) {
            const cpu = process.cpuUsage(cpuStart);
            cpuMs = (cpu.user + cpu.system) / 1000;
          }
        });
      }
      const deadline = Date.now() + settleTimeoutMs;
      // Wait for the token call at the gate, then for the API to go quiet.
      let counts = await emulation.counts();
      while (counts.waitingAtGate === 0 && outcomes.length < n && Date.now() < deadline) {
        await sleep(50);
        counts = await emulation.counts();
      }
      let quietSince = Date.now();
      let seen = counts.apiRequests;
      while (Date.now() - quietSince < 500 && Date.now() < deadline) {
        await sleep(100);
        counts = await emulation.counts();
        if (counts.apiRequests !== seen) {
          seen = counts.apiRequests;
          quietSince = Date.now();
        }
      }
      const waitingHeap = heap();
      await emulation.openGate();
      await Promise.race([Promise.all(all), sleep(Math.max(0, deadline - Date.now()))]);
      const after = await Promise.race([emulation.counts(), sleep(10_000).then(() => counts)]);
      const histogram: Record<string, number> = {};
      for (const outcome of outcomes) histogram[String(outcome)] = (histogram[String(outcome)] ?? 0) + 1;
      // Reported before the cleanup, which can take long with thousands of requests still open.
      report({
        library: libraryId,
        n,
        tokenCalls: after.tokenCalls,
        successes: outcomes.filter((outcome) => outcome === 200).length,
        unsettled: n - outcomes.length,
        outcomes: histogram,
        replayMs: outcomes.length === n ? lastSettledAt - after.lastTokenResponseAt : Number.NaN,
        wallMs: outcomes.length === n ? lastSettledAt - started : Number.NaN,
        cpuMs,
        heapPerWaiterBytes: (waitingHeap - baseline) / n,
        rejections,
      });
    } finally {
      library.close();
    }
  } finally {
    await emulation.close();
  }
}

/** Runs one cell in a child process; a cell that does not finish in `hardTimeoutMs` is killed and reported. */
export async function runCell(
  libraryId: string,
  n: number,
  options: { readonly pool: number; readonly hardTimeoutMs: number },
): Promise<ScaleCell> {
  const settleTimeoutMs = Math.max(5_000, options.hardTimeoutMs - 15_000);
  const child = fork(
    fileURLToPath(import.meta.url),
    [ROLE_FLAG, libraryId, String(n), String(options.pool), String(settleTimeoutMs)],
    {
      execArgv: ['--expose-gc', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const failed = (error: string): ScaleCell => ({
    library: libraryId,
    n,
    tokenCalls: Number.NaN,
    successes: 0,
    unsettled: n,
    outcomes: {},
    replayMs: Number.NaN,
    wallMs: Number.NaN,
    cpuMs: Number.NaN,
    heapPerWaiterBytes: Number.NaN,
    rejections: {},
    error,
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.hardTimeoutMs);
  try {
    const message = once(child, 'message').then(([value]) => value as { cell?: ScaleCell; error?: string });
    const exit = once(child, 'exit').then(() => ({ error: 'the cell process exited without a result' }));
    const answer = await Promise.race([message, exit]);
    if ('cell' in answer && answer.cell !== undefined) {
      // NaN crosses IPC (JSON) as null.
      const number = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
      const cell = answer.cell;
      return {
        ...cell,
        replayMs: number(cell.replayMs),
        wallMs: number(cell.wallMs),
        cpuMs: number(cell.cpuMs),
        heapPerWaiterBytes: number(cell.heapPerWaiterBytes),
      };
    }
    return failed(answer.error ?? 'no result');
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

if (process.argv.includes(ROLE_FLAG) && process.send !== undefined) {
  const [libraryId = '', n = '0', pool = '0', settle = '0'] = process.argv.slice(
    process.argv.indexOf(ROLE_FLAG) + 1,
  );
  const send = (reply: { cell?: ScaleCell; error?: string }): void => {
    process.send?.(reply);
  };
  try {
    await cell(libraryId, Number(n), Number(pool), Number(settle), (result) => send({ cell: result }));
  } catch (error) {
    send({ error: error instanceof Error ? error.message : String(error) });
  }
  // The parent kills this process once it has the result; exit on our own if it has not yet.
  setTimeout(() => process.exit(0), 2_000).unref();
}
