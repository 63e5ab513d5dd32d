/** The runner's side of the soak server: forks `server-process.ts` and talks to it. */
import { type ChildProcess, fork } from 'node:child_process';
import type { TokenSet } from '@tokenrelay/core';
import type { ServerCounters, ServerInfo, ServerMessage } from './protocol.ts';

export interface SoakServer {
  readonly info: ServerInfo;
  /** A new grant, as after a login. */
  grant(): Promise<TokenSet>;
  counters(): Promise<{ readonly counters: ServerCounters; readonly heapUsed: number }>;
  /** Closes the listeners and ends the process (killed if it has not ended 5 s later); safe to call twice. */
  close(): Promise<void>;
}

const ANSWER_TIMEOUT_MS = 10_000;

const exited = (child: ChildProcess, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

export async function startSoakServer(accessTokenTtlMs: number): Promise<SoakServer> {
  const script = new URL('./server-process.ts', import.meta.url);
  // Plain Node (it strips the types): none of a test runner's flags; a GC to call before reporting its heap.
  const child = fork(script, [String(accessTokenTtlMs)], { execArgv: ['--expose-gc'], stdio: 'inherit' });
  const pending = new Map<number, (message: ServerMessage | undefined) => void>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const settle of pending.values()) settle(undefined);
  };
  child.on('error', fail);
  child.on('exit', (code) => fail(new Error(`the soak server process exited (code ${code})`)));

  const info = await new Promise<ServerInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the soak server did not start in 10 s')),
      ANSWER_TIMEOUT_MS,
    );
    child.once('exit', (code) => reject(new Error(`the soak server process exited at start (code ${code})`)));
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.info);
      } else pending.get(message.id)?.(message);
    });
  }).catch(async (error: unknown) => {
    child.kill();
    throw error;
  });

  const ask = (type: 'grant' | 'counters' | 'close'): Promise<ServerMessage> =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the soak server did not answer "${type}" in 10 s`));
      }, ANSWER_TIMEOUT_MS);
      pending.set(id, (message) => {
        clearTimeout(timer);
        pending.delete(id);
        if (message === undefined) reject(failure ?? new Error('the soak server went away'));
        else resolve(message);
      });
      child.send({ id, type });
    });

  let closing: Promise<void> | undefined;
  return {
    info,
    async grant() {
      const message = await ask('grant');
      if (message.type !== 'grant') throw new Error(`unexpected answer: ${message.type}`);
      return message.tokens;
    },
    async counters() {
      const message = await ask('counters');
      if (message.type !== 'counters') throw new Error(`unexpected answer: ${message.type}`);
      return { counters: message.counters, heapUsed: message.heapUsed };
    },
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          await ask('close').catch(() => undefined);
          if (!(await exited(child, 5_000))) child.kill();
        }
      })();
      return closing;
    },
  };
}
