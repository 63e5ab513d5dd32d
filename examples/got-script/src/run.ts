/**
 * One run of a got script on a token file, against a token endpoint and an API given from outside: what cron
 * would start, possibly while the previous run is still going. Both runs share the file's lock, so however they
 * overlap, the refresh token is used once (with rotation and reuse detection, a second use revokes the grant).
 *
 *     TOKENRELAY_CLIENT_SECRET=... node src/run.ts --store tokens.json --token-endpoint URL --client-id ID --api URL
 *
 * `--wait-for-go` makes the run print `ready` and wait for a line on stdin before its requests (tests use it to
 * start two runs at the same moment); `--no-lock` hides the file's lock from the manager (to show what goes wrong
 * without it). Prints one JSON line: `{ "ok": n, "failed": n }`.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createTokenManager, oauth2Refresh, type TokenStore } from '@tokenrelay/core';
import { fileStore } from '@tokenrelay/core/file-store';
import { tokenRefresh } from '@tokenrelay/got';
import got from 'got';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    'token-endpoint': { type: 'string' },
    'client-id': { type: 'string' },
    api: { type: 'string' },
    requests: { type: 'string', default: '3' },
    'wait-for-go': { type: 'boolean', default: false },
    'no-lock': { type: 'boolean', default: false },
  },
});
const { store: storePath, 'token-endpoint': tokenEndpoint, 'client-id': clientId, api } = values;
if (storePath === undefined || tokenEndpoint === undefined || clientId === undefined || api === undefined) {
  throw new Error('--store, --token-endpoint, --client-id and --api are required');
}
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 1 || requests > 100)
  throw new RangeError('--requests: 1 to 100');

const file = fileStore(storePath);
// Without the lock, the manager cannot know that another process refreshes the same grant.
const store: TokenStore = values['no-lock']
  ? { get: (o) => file.get(o), set: (t, o) => file.set(t, o), clear: (o) => file.clear(o) }
  : file;
const manager = createTokenManager({
  store,
  refresh: oauth2Refresh({ tokenEndpoint, clientId, clientSecret: process.env.TOKENRELAY_CLIENT_SECRET }),
});
const client = got.extend(
  { prefixUrl: api, timeout: { request: 10_000 }, retry: { limit: 0 } },
  tokenRefresh(manager),
);

if (values['wait-for-go']) {
  console.log('ready');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
}

const results = await Promise.allSettled(Array.from({ length: requests }, () => client.get('me').text()));
const ok = results.filter((result) => result.status === 'fulfilled').length;
manager.dispose();
console.log(JSON.stringify({ ok, failed: requests - ok }));
process.exitCode = ok === requests ? 0 : 1;
