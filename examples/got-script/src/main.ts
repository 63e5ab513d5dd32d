/**
 * A command-line script on got that keeps its tokens in a file (`@tokenrelay/core/file-store`), so a refresh
 * token that the server rotated in one run is the one the next run uses. Runs against a real OAuth2
 * authorization server on 127.0.0.1 (oidc-provider, 2 s access tokens, rotating refresh tokens with reuse
 * detection): a run that started from an old refresh token would get the whole grant revoked.
 *
 *     node src/main.ts [--runs 3] [--store ./tokens.json]
 *
 * Each run is what one invocation of a real CLI would do: read the token file, make a few requests, exit.
 * Between runs the access token expires, so every run after the first starts with one refresh.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createTokenManager, oauth2Refresh, type TokenSet } from '@tokenrelay/core';
import { fileStore } from '@tokenrelay/core/file-store';
import { tokenRefresh } from '@tokenrelay/got';
import { type AuthServer, startAuthServer } from '@tokenrelay/test-utils/real-server';
import got from 'got';

const REQUESTS_PER_RUN = 3;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, store: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 10)
  throw new RangeError('--runs must be a whole number from 1 to 10');
const tempDir =
  values.store === undefined ? await mkdtemp(join(tmpdir(), 'tokenrelay-got-script-')) : undefined;
const storePath = values.store === undefined ? join(tempDir ?? '.', 'tokens.json') : resolve(values.store);

/** One invocation of the script: a fresh manager and got instance on the token file; returns the refreshes. */
async function runOnce(server: AuthServer, run: number): Promise<{ refreshes: number; ok: number }> {
  const manager = createTokenManager({
    store: fileStore(storePath), // no `tokens`: the manager reads the file on first use
    refresh: oauth2Refresh({
      tokenEndpoint: server.tokenEndpoint,
      clientId: server.client.clientId,
      clientSecret: server.client.clientSecret,
    }),
  });
  let refreshes = 0;
  manager.on('refresh', ({ reason }) => console.log(`    tokenrelay: refreshing (reason: ${reason})`));
  manager.on('refreshed', () => {
    refreshes += 1;
    console.log('    tokenrelay: new tokens written to the token file');
  });
  // The script's own got setup: a user agent and a response log, as it had before tokenrelay.
  const api = got.extend(
    {
      prefixUrl: server.issuer,
      headers: { 'user-agent': 'tokenrelay-example-got-script' },
      timeout: { request: 10_000 },
      hooks: {
        afterResponse: [
          (response) => {
            console.log(`    GET ${response.requestUrl.pathname} -> ${response.statusCode}`);
            return response;
          },
        ],
      },
    },
    tokenRefresh(manager),
  );
  try {
    console.log(`  run ${run}:`);
    const users = await Promise.all(
      Array.from({ length: REQUESTS_PER_RUN }, () => api.get('me').json<{ sub: string }>()),
    );
    const ok = users.filter((user) => user.sub === 'grace').length;
    return { refreshes, ok };
  } finally {
    manager.dispose();
  }
}

const isActive = async (server: AuthServer, token: string): Promise<boolean> => {
  const form = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  const { clientId, clientSecret } = server.client;
  const response = await got.post(server.introspectionEndpoint, {
    headers: {
      authorization: `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`,
    },
    form: { token, token_type_hint: 'refresh_token' },
    timeout: { request: 10_000 },
  });
  return (JSON.parse(response.body) as { active?: unknown }).active === true;
};

const server = await startAuthServer();
const store = fileStore(storePath);
try {
  console.log(
    `got script with a token file (${values.store === undefined ? 'a temporary file' : storePath})\n`,
  );
  // What `my-cli login` would have done once: sign in and save the tokens.
  const login = await server.login({ subject: 'grace' });
  const loggedInAt = Date.now();
  const first: TokenSet = {
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    expiresAt: loggedInAt + login.expiresIn * 1000,
    issuedAt: loggedInAt,
    tokenType: login.tokenType,
  };
  await store.set(first);
  console.log('  signed in as grace; tokens saved\n');

  let refreshes = 0;
  let ok = 0;
  const seenRefreshTokens = new Set<string>();
  for (let run = 1; run <= runs; run += 1) {
    if (run > 1) {
      console.log('  ... 2.2 s pass between runs: the saved access token expires ...');
      await sleep(2_200);
    }
    const before = await store.get();
    if (before?.refreshToken !== undefined) seenRefreshTokens.add(before.refreshToken);
    const result = await runOnce(server, run);
    refreshes += result.refreshes;
    ok += result.ok;
    const after = await store.get();
    const rotated = after?.refreshToken !== before?.refreshToken;
    console.log(
      `    ${result.ok} of ${REQUESTS_PER_RUN} requests succeeded; refresh token ${rotated ? 'rotated and saved' : 'unchanged'}`,
    );
  }

  const mode = ((await stat(storePath)).mode & 0o777).toString(8);
  const latest = (await store.get())?.refreshToken;
  const originalDead = !(await isActive(server, login.refreshToken));
  const latestAlive = latest !== undefined && (await isActive(server, latest));
  const revoked = server.events['grant.revoked'];
  console.log('\nresult');
  console.log(`  requests        ${ok} of ${runs * REQUESTS_PER_RUN} succeeded in ${runs} runs`);
  console.log(`  refreshes       ${refreshes} (one in each run that found an expired access token)`);
  console.log(
    `  token file      mode ${mode}; the server ${latestAlive ? 'accepts' : 'REJECTS'} the refresh token in it`,
  );
  console.log(
    `  first token     the login's refresh token is ${originalDead ? 'rotated away (inactive)' : 'STILL ACTIVE'}; ` +
      `${seenRefreshTokens.size} refresh tokens used, grants revoked: ${revoked}`,
  );
  const healthy =
    ok === runs * REQUESTS_PER_RUN &&
    refreshes === runs - 1 &&
    latestAlive &&
    (runs === 1 || originalDead) &&
    revoked === 0;
  console.log(healthy ? 'OK' : 'FAILED');
  process.exitCode = healthy ? 0 : 1;
} finally {
  await server.close();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
}
