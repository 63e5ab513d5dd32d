/**
 * A real redis-server for tests (Debian's `redis-server`): 127.0.0.1, a random free port, no persistence, its own
 * temp dir, stopped after. Fails with a clear message when the binary is missing, never skips.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGKILL: no goodbye to clients) and starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Stops the server; it can be started again with `start()`. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MISSING =
  'redis-server is not installed. Install it with `sudo apt-get install -y redis-server` ' +
  '(or run `bash scripts/system-deps.sh`); the Redis tests need a real server and do not skip.';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** The path of redis-server, or a clear error. */
export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') throw new Error(MISSING);
  return path;
}

/** A port that was free a moment ago on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const launch = (binary: string, port: number, dir: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${output.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`redis-server exited with ${String(code)} before it was ready:\n${output.slice(-2000)}`),
      );
    });
  });

const terminate = (child: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });

/** Starts a redis-server on 127.0.0.1 with a random port (retried when another process took the port first). */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'tokenrelay-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt += 1) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      if (attempt === 4) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child !== undefined) return;
      child = await launch(binary, port, dir);
    },
    async kill() {
      if (child === undefined) return;
      await terminate(child, 'SIGKILL');
      child = undefined;
    },
    async restart() {
      await server.kill();
      await server.start();
    },
    async stop() {
      if (child !== undefined) await terminate(child, 'SIGTERM');
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
