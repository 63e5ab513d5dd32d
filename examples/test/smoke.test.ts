/**
 * Each example runs as its own process against the real authorization server it starts, and prints what a
 * user would read: these tests check that it exits 0 and that its key lines say what they should.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runExample, transcript, unbuiltPackages } from './run-example.ts';

const TIMEOUT_MS = 40_000;

beforeAll(() => {
  expect(unbuiltPackages(), "the examples run on the packages' dist: run `pnpm run build` first").toEqual([]);
});

describe('examples', () => {
  it(
    'axios-basic: one refresh per expiry for bursts on an existing instance',
    async () => {
      const run = await runExample('axios-basic', [], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toMatch(/^ {2}succeeded +200$/m);
      expect(run.stdout).toMatch(/^ {2}refresh-token reuse detected \(grant revoked\) +0$/m);
      expect(run.stdout).toContain('OK: one refresh per expiry');
    },
    TIMEOUT_MS,
  );

  it(
    "axios-existing-instance: four 401s, one refresh, four replays through the app's own interceptors",
    async () => {
      const run = await runExample('axios-existing-instance', [], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toContain('signed in as ada');
      expect(run.stdout).toContain(
        'result: 4 requests at once on an expired token -> 4 x 401, 1 refresh, 4 replays (same request id), 4 of 4 succeeded',
      );
      // The app's access log saw every attempt: the first request, four 401s, four replays.
      expect(run.stdout.match(/app log: GET \/me \[\w+\] -> 401/g)).toHaveLength(4);
      expect(run.stdout.match(/app log: GET \/me \[\w+\] -> 200/g)).toHaveLength(5);
      expect(run.stdout.trimEnd().endsWith('OK')).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'got-script: rotated tokens saved to the file carry over from run to run',
    async () => {
      const run = await runExample('got-script', ['--runs', '3'], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toMatch(/requests +9 of 9 succeeded in 3 runs/);
      expect(run.stdout).toMatch(/refreshes +2 \(one in each run that found an expired access token\)/);
      expect(run.stdout).toMatch(/token file +mode 600; the server accepts the refresh token in it/);
      expect(run.stdout).toContain("the login's refresh token is rotated away (inactive)");
      expect(run.stdout).toContain('grants revoked: 0');
      expect(run.stdout.match(/refresh token rotated and saved/g)).toHaveLength(2);
      expect(run.stdout.trimEnd().endsWith('OK')).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'ky-app: POSTs that met an expired token are replayed once with their bodies',
    async () => {
      const run = await runExample('ky-app', [], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toMatch(/expired token +3 requests got a 401 -> 1 refresh, each replayed once/);
      expect(run.stdout).toMatch(/stored notes +\["buy milk","call Ana"\] \(each POST stored once\)/);
      expect(run.stdout).toMatch(/0 more 401s; grants revoked: 0/);
      expect(run.stdout.match(/app log: POST \/notes -> 201 \(replay\)/g)).toHaveLength(2);
      expect(run.stdout.trimEnd().endsWith('OK')).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'fetch: the token stays on its origin; a burst on an expired token waits for one refresh',
    async () => {
      const run = await runExample('fetch', [], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.stdout).toContain('signed in as mo');
      expect(run.stdout).toMatch(/\/pixel -> it did not see the token/);
      expect(run.stdout).toMatch(/with tokenRelay: false -> 401/);
      expect(run.stdout).toContain(
        '20 requests at once -> 20 x 200; refreshes: 1 (reason: expired); requests sent: 20, 401s: 0',
      );
      expect(run.stdout.trimEnd().endsWith('OK')).toBe(true);
    },
    TIMEOUT_MS,
  );
});
