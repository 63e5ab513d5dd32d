/**
 * Runs an example's `src/main.ts` as its own process with the project's Node (the one running vitest), as
 * `pnpm start` in the example would. The examples import the workspace packages' built `dist`, so the packages
 * must be built first: the root `test` script builds them before it runs vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['core', 'axios', 'got', 'ky', 'fetch'];

export interface ExampleRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** The packages whose `dist` is missing; the examples cannot run without it. */
export function unbuiltPackages(): string[] {
  return PACKAGES.filter((name) => !existsSync(`${root}packages/${name}/dist/index.js`));
}

/** Runs `examples/<name>/src/main.ts` with `args`; kills it after `timeoutMs`. */
export function runExample(name: string, args: readonly string[], timeoutMs: number): Promise<ExampleRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], {
      cwd: `${root}examples/${name}`,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** What to show when an assertion on a run fails. */
export const transcript = (run: ExampleRun): string =>
  `exit ${run.code ?? run.signal} after ${Math.round(run.ms)} ms\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
