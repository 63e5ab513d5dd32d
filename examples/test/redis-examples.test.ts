/**
 * The Redis examples run as a user runs them (their own processes, a real redis-server and oidc-provider on
 * 127.0.0.1): they must exit 0 and print one refresh per expiry across processes, no grant revoked.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExample, transcript } from './run-example.ts';

const TIMEOUT_MS = 50_000;
const USED = ['core', 'fetch', 'redis'];

beforeAll(() => {
  const unbuilt = USED.filter(
    (name) => !existsSync(fileURLToPath(new URL(`../../packages/${name}/dist/index.js`, import.meta.url))),
  );
  expect(unbuilt, "the examples run on the packages' dist: run `pnpm run build` first").toEqual([]);
});

describe('redis examples', () => {
  it(
    'redis-cluster: node:cluster workers share one grant, every request succeeds, the server sees each refresh once',
    async () => {
      const run = await runExample('redis-cluster', ['--workers', '3', '--seconds', '6'], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toMatch(/^grants revoked \(reuse\) +0$/m);
      expect(run.stdout).toMatch(/^failed requests +0$/m);
      const workers = run.stdout.match(/^refreshes by the workers +(\d+)$/m)?.[1];
      const server = run.stdout.match(/^refreshes seen by the server +(\d+)/m)?.[1];
      expect(Number(workers)).toBeGreaterThanOrEqual(1);
      expect(server).toBe(workers);
      expect(run.stdout).toContain('OK: one refresh per expiry across the workers');
    },
    TIMEOUT_MS,
  );

  it(
    'many-users: a bounded pool of managers over per-user Redis keys; every answer is for its own user',
    async () => {
      const run = await runExample(
        'many-users',
        ['--users', '8', '--pool', '3', '--rounds', '2'],
        TIMEOUT_MS - 5_000,
      );
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toMatch(/^requests +48$/m);
      expect(run.stdout).toMatch(/^succeeded +48$/m);
      expect(run.stdout).toMatch(/^answered for another user +0$/m);
      expect(run.stdout).toMatch(/^managers in the pool, at most +[1-3] \(of 8 users\)$/m);
      expect(run.stdout).toMatch(/^grants revoked \(reuse\) +0$/m);
      expect(run.stdout).toContain('OK: every user got their own token, no grant revoked');
    },
    TIMEOUT_MS,
  );
});
