/**
 * fileStore's lock between real processes: mutual exclusion, a holder that died (SIGKILL), a holder that was paused
 * past its lease (SIGSTOP), and an acquire that times out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTokenRelayError } from './errors.ts';
import { fileStore } from './file-store.ts';

const holderScript = fileURLToPath(new URL('../test/fixtures/lock-holder.ts', import.meta.url));

let dir: string;
let path: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenrelay-file-lock-'));
  path = join(dir, 'tokens.json');
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }
  await rm(dir, { recursive: true, force: true });
});

interface Holder {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line that matches. */
  line(pattern: RegExp): Promise<string>;
  readonly exited: Promise<number | null>;
  output(): string;
}

function startHolder(...args: string[]): Holder {
  const child = spawn(process.execPath, [holderScript, path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const waiting: Array<() => void> = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const check of waiting.splice(0)) check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => `--- stdout\n${out}--- stderr\n${err}`,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = out.split('\n').find((line) => pattern.test(line));
          if (found !== undefined) resolve(found);
          else waiting.push(check);
        };
        void exited.then(() =>
          setTimeout(() => reject(new Error(`exited without ${pattern}\n${out}${err}`)), 50),
        );
        check();
      }),
  };
}

describe('fileStore lock across processes', () => {
  it('lets one process at a time hold the lock', async () => {
    const log = join(dir, 'log.txt');
    const runs = Array.from({ length: 4 }, () => startHolder('log', log, '60'));
    const codes = await Promise.all(runs.map((run) => run.exited));
    expect(codes, runs.map((run) => run.output()).join('\n')).toEqual([0, 0, 0, 0]);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(8);
    // Every start is followed by the end of the same process: no two holders overlapped.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^start \d+$/);
      expect(lines[i + 1]).toBe(lines[i]?.replace('start', 'end'));
    }
  }, 30_000);

  it('waits while another process holds it, and gets it when that process lets go', async () => {
    const holder = startHolder('hold');
    await holder.line(/^locked$/);
    const store = fileStore(path, { lock: { acquireTimeoutMs: 300 } });
    const timedOut = await store.lock?.(async () => 'got it').catch((error: unknown) => error);
    expect(isTokenRelayError(timedOut, 'LOCK')).toBe(true);
    expect(timedOut).toMatchObject({ reason: 'acquire-timeout' });
    holder.child.stdin?.end();
    await holder.line(/^released$/);
    await expect(store.lock?.(async () => 'got it')).resolves.toBe('got it');
  }, 20_000);

  it('takes over the lock of a holder that died (SIGKILL) once it is stale', async () => {
    const holder = startHolder('hold');
    await holder.line(/^locked$/);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const store = fileStore(path, { lock: { staleMs: 2_000, acquireTimeoutMs: 10_000 } });
    const started = performance.now();
    await expect(store.lock?.(async () => 'recovered')).resolves.toBe('recovered');
    // Not before the lease ran out (the holder might have been alive), and not much after.
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(1_000);
    expect(waited).toBeLessThan(8_000);
  }, 20_000);

  it('a holder paused past its lease (SIGSTOP) learns it lost the lock: signal fires, confirm() refuses', async () => {
    const holder = startHolder('watch');
    await holder.line(/^locked$/);
    holder.child.kill('SIGSTOP');
    const store = fileStore(path, { lock: { staleMs: 2_000, acquireTimeoutMs: 10_000 } });
    let resume = (): void => undefined;
    const held = store.lock?.(async (lock) => {
      await lock.confirm();
      // Let the paused holder run while this process holds the lock.
      holder.child.kill('SIGCONT');
      await new Promise<void>((resolve) => {
        resume = resolve;
      });
      await lock.confirm();
      return 'taken over';
    });
    const lost = await holder.line(/^lost /);
    resume();
    await expect(held).resolves.toBe('taken over');
    expect(lost).toMatch(/refused LockError:lost|signal=true/);
    expect(await holder.exited, holder.output()).toBe(0);
  }, 20_000);
});
