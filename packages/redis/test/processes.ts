/** Spawns worker processes (test/fixtures/worker.ts) and talks to them over IPC, every wait bounded. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, RoundReport, WorkerConfig } from './fixtures/protocol.ts';

const worker = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const hooks = fileURLToPath(new URL('./fixtures/source-hooks.ts', import.meta.url));

export interface Worker {
  readonly pid: number;
  readonly child: ChildProcess;
  /** The next message of `type` (also one that already arrived and was not taken yet). */
  next<T extends FromWorker['type']>(type: T, timeoutMs?: number): Promise<Extract<FromWorker, { type: T }>>;
  round(timeoutMs?: number): Promise<RoundReport>;
  stop(): Promise<void>;
}

export async function startWorker(config: WorkerConfig): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', hooks, worker, JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromWorker[] = [];
  const waiting = new Set<() => void>();
  child.on('message', (message: FromWorker) => {
    inbox.push(message);
    for (const wake of waiting) wake();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
      for (const wake of waiting) wake();
    }),
  );
  const next = async <T extends FromWorker['type']>(
    type: T,
    timeoutMs = 30_000,
  ): Promise<Extract<FromWorker, { type: T }>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fatal = inbox.find((message) => message.type === 'fatal');
      if (fatal !== undefined && type !== 'fatal')
        throw new Error(`worker ${child.pid} failed: ${JSON.stringify(fatal)}`);
      const index = inbox.findIndex((message) => message.type === type);
      if (index >= 0) return inbox.splice(index, 1)[0] as Extract<FromWorker, { type: T }>;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `worker ${child.pid} exited (${child.exitCode ?? child.signalCode}) before '${type}'`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`worker ${child.pid}: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        }
        waiting.add(done);
      });
    }
  };
  await next('ready');
  return {
    pid: child.pid ?? 0,
    child,
    next,
    async round(timeoutMs) {
      child.send({ type: 'round' });
      return next('round-done', timeoutMs);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
