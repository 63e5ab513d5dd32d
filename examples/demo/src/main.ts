/**
 * tokenrelay's demo. A real OAuth2 authorization server (oidc-provider on 127.0.0.1, refresh-token rotation with
 * reuse detection, 2 s access tokens); axios, got, ky and fetch with tokenrelay, each on a grant of its own,
 * all at the same time under load through several token expiries; then the same load through a naive
 * hand-written axios interceptor, for comparison.
 *
 * Exits non-zero when tokenrelay's promises do not hold: a request failed, a grant was revoked, or a client
 * refreshed more often than its tokens expired (plus one).
 *
 *     pnpm run demo                        # from the repository root
 *     node src/main.ts --seconds 8 --concurrency 6
 */
import { parseArgs } from 'node:util';
import { type AuthServer, startAuthServer } from '@tokenrelay/test-utils/real-server';
import {
  axiosClient,
  type ClientSetup,
  type DemoClient,
  fetchClient,
  gotClient,
  kyClient,
  naiveAxiosClient,
} from './clients.ts';
import { isRefreshTokenActive, loginAs } from './grants.ts';
import { type ClientResult, runLoad } from './load.ts';
import { formatProcesses, runProcesses } from './processes.ts';
import { formatTable, type Row, rowOf } from './report.ts';
import { createWire } from './wire.ts';

const TOKEN_TTL_S = 2;
const WATCHDOG_MS = 55_000;

const readInt = (text: string, name: string, min: number, max: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
};

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '6' },
    processes: { type: 'string', default: '4' },
  },
});
const durationMs = readInt(values.seconds, 'seconds', 3, 20) * 1000;
const concurrency = readInt(values.concurrency, 'concurrency', 1, 32);
const processes = readInt(values.processes, 'processes', 2, 8);
/** Each multi-process run (part 3) lasts this long. */
const PROCESS_RUN_MS = 5_000;

// Every loop is bounded by the load's deadline and every request by a timeout; this is the last line of defence.
const watchdog = setTimeout(() => {
  console.error(`\ndemo: not finished after ${WATCHDOG_MS / 1000} s, giving up`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const out = process.stdout;
const print = (line = ''): void => void out.write(`${line}\n`);
const n = (value: number): string => value.toLocaleString('en-US');

type MakeClient = (setup: ClientSetup) => DemoClient;

async function setUp(server: AuthServer, label: string, make: MakeClient): Promise<DemoClient> {
  const subject = `${label.replace(/\W+/g, '-')}-user`;
  return make({ server, tokens: await loginAs(server, subject), subject, wire: createWire() });
}

/**
 * How long tokenrelay trusts a token of `expires_in: 2`: up to 1 s less (a quarter at most), because the server
 * counts whole seconds from its own issue time and may end it that much earlier.
 */
const TRUSTED_LIFETIME_MS = TOKEN_TTL_S * 1000 - Math.min(1000, TOKEN_TTL_S * 250);

/** Token lifetimes that ended while the client ran: at most one refresh each is needed, plus the first token. */
const expiriesIn = (result: ClientResult): number => Math.ceil(result.elapsedMs / TRUSTED_LIFETIME_MS);

// The authorization server is a test setup, and oidc-provider says so on stderr (in-memory storage, development
// login forms). Both are on purpose here and the header below says it; any other warning is printed.
const consoleWarn = console.warn;
console.warn = (...args: unknown[]): void => {
  const quickStart =
    typeof args[0] === 'string' && args[0].includes('WARNING: a quick start development-only');
  if (!quickStart) consoleWarn.apply(console, args);
};

const server = await startAuthServer({ accessTokenTtl: TOKEN_TTL_S });
const clients: DemoClient[] = [];
try {
  print('tokenrelay demo');
  print(`  authorization server  oidc-provider at ${server.issuer} (a test setup: in-memory storage)`);
  print('  refresh tokens        rotated on every refresh; a reused one revokes the whole grant (RFC 9700)');
  print(
    `  access tokens         live ${TOKEN_TTL_S} s; proactive refresh off, so every token expires under load`,
  );
  print(
    `  load                  ${durationMs / 1000} s per run, ${concurrency} requests in flight per client`,
  );
  print();

  // 1. tokenrelay: four clients at the same time, one grant (one user) each.
  print('1. axios, got, ky and fetch with tokenrelay, at the same time');
  const makers: ReadonlyArray<readonly [string, MakeClient]> = [
    ['axios', axiosClient],
    ['got', gotClient],
    ['ky', kyClient],
    ['fetch', fetchClient],
  ];
  const relayed: DemoClient[] = [];
  for (const [label, make] of makers) relayed.push(await setUp(server, label, make));
  clients.push(...relayed);
  const revokedBefore = server.events['grant.revoked'];
  const results = await runLoad(relayed, { durationMs, concurrency, title: 'tokenrelay', out });
  const revokedByRelayed = server.events['grant.revoked'] - revokedBefore;
  const rows: Row[] = [];
  for (const result of results) {
    const refreshToken = result.client.refreshToken();
    const alive = refreshToken !== undefined && (await isRefreshTokenActive(server, refreshToken));
    rows.push(rowOf(result, alive ? 0 : 1));
  }
  print();

  // 2. The same load, one client, through the naive interceptor on a fresh grant.
  print('2. the same load through a naive axios interceptor (not tokenrelay: src/naive.ts)');
  const naive = await setUp(server, 'naive axios', naiveAxiosClient);
  clients.push(naive);
  const naiveBefore = server.events['grant.revoked'];
  const [naiveResult] = await runLoad([naive], { durationMs, concurrency, title: 'naive', out });
  const revokedByNaive = server.events['grant.revoked'] - naiveBefore;
  if (naiveResult === undefined) throw new Error('the naive run returned no result');
  rows.push(rowOf(naiveResult, revokedByNaive));
  print();

  print(formatTable(rows));
  print();
  print(
    `authorization server: ${revokedByRelayed} grant(s) revoked during run 1 (tokenrelay), ${revokedByNaive} during run 2 (naive).`,
  );

  // tokenrelay's promises, client by client.
  const problems: string[] = [];
  if (revokedByRelayed > 0) problems.push(`the server revoked ${revokedByRelayed} grant(s) during run 1`);
  results.forEach((result, i) => {
    const row = rows[i];
    const { label } = result.client;
    if (row === undefined) return;
    if (row.failed > 0)
      problems.push(`${label}: ${n(row.failed)} request(s) failed (first: ${result.firstFailure})`);
    if (row.revoked > 0) problems.push(`${label}: its grant is no longer active`);
    const allowed = expiriesIn(result) + 1;
    if (row.refreshes > allowed) {
      problems.push(
        `${label}: ${row.refreshes} refreshes for ${expiriesIn(result)} token lifetimes (at most ${allowed})`,
      );
    }
  });

  const total = results.reduce((sum, r) => sum + r.requests, 0);
  const replays = rows.slice(0, results.length).reduce((sum, r) => sum + r.replays, 0);
  const refreshCounts = rows.slice(0, results.length).map((r) => r.refreshes);
  const fewest = Math.min(...refreshCounts);
  const most = Math.max(...refreshCounts);
  print();
  if (problems.length === 0) {
    print(
      `tokenrelay: ${n(total)} requests from 4 clients, all succeeded. ${n(replays)} of them met an expired ` +
        'token, got a 401 and were replayed once with the new one. Each client refreshed ' +
        `${fewest === most ? fewest : `${fewest}-${most}`} times in ${durationMs / 1000} s of ${TOKEN_TTL_S} s ` +
        'tokens: at most once per expiry. No grant was revoked.',
    );
  } else {
    print('tokenrelay FAILED:');
    for (const problem of problems) print(`  - ${problem}`);
  }
  const naiveCalls = naive.refreshes() + naive.rejectedRefreshes();
  const firstFailure = naiveResult.firstFailure === undefined ? '' : ` (first: ${naiveResult.firstFailure})`;
  print(
    `naive interceptor: ${n(naiveCalls)} refresh calls where one per expiry would do ` +
      `(${n(naive.rejectedRefreshes())} rejected); ${n(naiveResult.failed)} of ${n(naiveResult.requests)} ` +
      `requests failed${firstFailure}.`,
  );
  const failedFrom = ((naiveResult.firstFailureAt ?? 0) / 1000).toFixed(1);
  print(
    revokedByNaive > 0
      ? '  Requests that got a 401 together refreshed together, with the same refresh token: the server saw a ' +
          `rotated refresh token come back, revoked the grant, and from ${failedFrom} s on the user was logged out.`
      : '  This time no refresh token was presented twice (the race did not happen).',
  );

  // 3. Several processes on one grant: through Redis, then each on its own.
  print();
  print(
    `3. ${processes} processes sharing one grant through Redis (@tokenrelay/redis), ${PROCESS_RUN_MS / 1000} s`,
  );
  const shared = await runProcesses(server, {
    count: processes,
    durationMs: PROCESS_RUN_MS,
    concurrency: 3,
    mode: 'redis',
  });
  print(formatProcesses(shared));
  const sharedRefreshes = shared.reports.reduce((sum, report) => sum + report.refreshes, 0);
  const sharedFailed = shared.reports.reduce((sum, report) => sum + report.failed, 0);
  print(
    `authorization server: ${shared.serverRefreshes} refreshes (the processes made ${sharedRefreshes}), ` +
      `${shared.revoked} grant(s) revoked.`,
  );
  if (shared.revoked > 0) problems.push(`through Redis: the server revoked ${shared.revoked} grant(s)`);
  if (sharedFailed > 0) problems.push(`through Redis: ${n(sharedFailed)} request(s) failed`);
  if (sharedRefreshes !== shared.serverRefreshes)
    problems.push('through Redis: the processes and the server disagree on the number of refreshes');
  print();
  print(`4. the same ${processes} processes without Redis: each has the tokens, each refreshes on its own`);
  const alone = await runProcesses(server, {
    count: processes,
    durationMs: PROCESS_RUN_MS,
    concurrency: 3,
    mode: 'alone',
  });
  print(formatProcesses(alone));
  const aloneFailed = alone.reports.reduce((sum, report) => sum + report.failed, 0);
  print(
    `authorization server: ${alone.serverRefreshes} refreshes, ${alone.revoked} grant(s) revoked` +
      (alone.revoked > 0
        ? `: the second process to refresh presented the refresh token the first had rotated away; ${n(aloneFailed)} request(s) failed.`
        : ' (this time the processes did not refresh at the same moment).'),
  );
  print();
  if (problems.length > 0) {
    print('FAILED:');
    for (const problem of problems) print(`  - ${problem}`);
  } else {
    print(
      `processes: through Redis, ${processes} processes made one refresh per expiry between them and no grant was revoked.`,
    );
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  for (const client of clients) client.dispose();
  await server.close();
  clearTimeout(watchdog);
}
