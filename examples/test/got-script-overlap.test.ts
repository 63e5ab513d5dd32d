/**
 * Two runs of a got script that overlap (cron started the next before the last finished), as real child processes
 * on one token file, against a token endpoint with refresh-token rotation and reuse detection (the emulation on
 * 127.0.0.1). The saved access token has expired, so both runs need a refresh at the same moment. With the file's
 * lock: one refresh, both runs succeed, the server sees no reused refresh token. Without it (the control): both
 * refresh with the same refresh token, and the server revokes the grant.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOAuthServer, type ListeningOAuthServer, type OAuthServer } from '@tokenrelay/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unbuiltPackages } from './run-example.ts';

const scriptDir = fileURLToPath(new URL('../got-script/', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{
    code: number | null;
    result: { ok: number; failed: number } | undefined;
    output: string;
  }>;
}

let dir: string;
let emu: OAuthServer;
let live: ListeningOAuthServer;
const children: ChildProcess[] = [];

beforeAll(() => {
  expect(unbuiltPackages(), "the script runs on the packages' dist: run `pnpm run build` first").toEqual([]);
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenrelay-got-overlap-'));
  emu = createOAuthServer({ accessTokenTtlMs: 60_000 });
  live = await emu.listen();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await live.close();
  await rm(dir, { recursive: true, force: true });
});

function startRun(storePath: string, extra: readonly string[]): Run {
  const child = spawn(
    process.execPath,
    [
      'src/run.ts',
      '--store',
      storePath,
      '--token-endpoint',
      live.tokenEndpoint,
      '--client-id',
      emu.clientId,
      '--api',
      live.apiOrigin,
      '--wait-for-go',
      ...extra,
    ],
    { cwd: scriptDir, env: { ...process.env, TOKENRELAY_CLIENT_SECRET: emu.clientSecret }, stdio: 'pipe' },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`exited before it was ready\n${stdout}\n${stderr}`)));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const done = new Promise<Awaited<Run['done']>>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const result = last.startsWith('{') ? (JSON.parse(last) as { ok: number; failed: number }) : undefined;
      resolve({ code, result, output: `--- stdout\n${stdout}\n--- stderr\n${stderr}` });
    });
  });
  return { child, ready, done };
}

/** Saves an expired login to the token file, then starts two runs on it at the same moment. */
async function overlappingRuns(extra: readonly string[] = []) {
  const storePath = join(dir, 'tokens.json');
  const login = emu.tokenSet();
  emu.expireAccessTokens();
  const expired = { ...login, expiresAt: Date.now() - 1_000, issuedAt: Date.now() - 61_000 };
  await writeFile(storePath, JSON.stringify(expired), { mode: 0o600 });
  // Each token call takes a while, so the two runs' refreshes overlap for sure.
  emu.faults.enqueue({ type: 'latency', ms: 800 }, { type: 'latency', ms: 800 });
  const runs = [startRun(storePath, extra), startRun(storePath, extra)];
  await Promise.all(runs.map((run) => run.ready));
  for (const run of runs) run.child.stdin?.write('go\n');
  return Promise.all(runs.map((run) => run.done));
}

describe('two overlapping got scripts on one fileStore', () => {
  it('with the file lock: one refresh, both runs succeed, no reused refresh token', async () => {
    const [first, second] = await overlappingRuns();
    expect(first?.code, first?.output).toBe(0);
    expect(second?.code, second?.output).toBe(0);
    expect(first?.result?.ok).toBe(3);
    expect(second?.result?.ok).toBe(3);
    expect(emu.counters.tokenCalls).toBe(1);
    expect(emu.counters.successfulRefreshes).toBe(1);
    expect(emu.counters.reuseDetections).toBe(0);
  }, 40_000);

  it('the control, without the lock: both runs refresh with the same refresh token and the grant is revoked', async () => {
    const runs = await overlappingRuns(['--no-lock']);
    expect(emu.counters.tokenCalls).toBeGreaterThanOrEqual(2);
    expect(emu.counters.reuseDetections).toBeGreaterThanOrEqual(1);
    expect(runs.some((run) => run.code !== 0)).toBe(true);
  }, 40_000);
});
