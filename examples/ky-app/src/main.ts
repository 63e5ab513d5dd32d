/**
 * An app on ky that talks to its own notes API (./notes-api.ts), which checks every bearer token at a real
 * OAuth2 authorization server on 127.0.0.1 (oidc-provider, 2 s access tokens, rotating refresh tokens).
 *
 * What to look for: the app resumes a session whose access token has expired. Two POSTs and a GET go out at
 * once and all get a 401; tokenrelay refreshes once and replays each once, the POSTs with their JSON bodies.
 * Every note is stored exactly once: none lost, none duplicated. Later requests find a token that tokenrelay
 * refreshed in the background before it expired.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import { startAuthServer } from '@tokenrelay/test-utils/real-server';
import ky from 'ky';
import { type Note, startNotesApi } from './notes-api.ts';

const auth = await startAuthServer();
const notesApi = await startNotesApi(auth);
try {
  const login = await auth.login({ subject: 'lin' });

  const manager = createTokenManager({
    // A session resumed from storage that kept the two tokens but not the expiry: tokenrelay learns it from a 401.
    tokens: { accessToken: login.accessToken, refreshToken: login.refreshToken },
    refresh: oauth2Refresh({
      tokenEndpoint: auth.tokenEndpoint,
      clientId: auth.client.clientId,
      clientSecret: auth.client.clientSecret,
    }),
  });
  const reasons: string[] = [];
  manager.on('refresh', ({ reason }) => {
    reasons.push(reason);
    console.log(`  tokenrelay: refreshing the token (reason: ${reason})`);
  });

  let unauthorized = 0;
  // The app's client: its base URL, its own hooks, then tokenrelay's (origins: the base URL's origin).
  const api = ky
    .create({
      baseUrl: `${notesApi.origin}/`,
      timeout: 10_000,
      hooks: {
        beforeRequest: [({ request }) => request.headers.set('x-app-version', '1.4.2')],
        afterResponse: [
          ({ request, response, retryCount }) => {
            if (response.status === 401) unauthorized += 1;
            const attempt = retryCount > 0 ? ' (replay)' : '';
            console.log(
              `  app log: ${request.method} ${new URL(request.url).pathname} -> ${response.status}${attempt}`,
            );
          },
        ],
      },
    })
    .extend(tokenRefresh(manager));

  console.log('ky app with hooks of its own, then tokenrelay\n');
  console.log('  ... the session was resumed after its access token expired ...\n');
  await sleep(2_200);
  const [first, second] = await Promise.all([
    api.post('notes', { json: { text: 'buy milk' } }).json<Note>(),
    api.post('notes', { json: { text: 'call Ana' } }).json<Note>(),
    api.get('notes').json<Note[]>(),
  ]);
  console.log(`\n  created "${first.text}" and "${second.text}"\n`);

  console.log('  ... 1.5 s later ...\n');
  await sleep(1_500);
  const unauthorizedBefore = unauthorized;
  const notes = await api.get('notes').json<Note[]>();
  const texts = notes.map((note) => note.text).sort();
  const afterUnauthorized = reasons.filter((r) => r === 'unauthorized').length;

  console.log('\nresult');
  console.log(
    `  expired token   ${unauthorizedBefore} requests got a 401 -> ${afterUnauthorized} refresh, each replayed once`,
  );
  console.log(`  stored notes    ${JSON.stringify(texts)} (each POST stored once)`);
  console.log(
    `  afterwards      ${reasons.length - afterUnauthorized} refresh(es) before expiry, ` +
      `${unauthorized - unauthorizedBefore} more 401s; grants revoked: ${auth.events['grant.revoked']}`,
  );
  const healthy =
    unauthorizedBefore === 3 &&
    afterUnauthorized === 1 &&
    JSON.stringify(texts) === JSON.stringify(['buy milk', 'call Ana']) &&
    unauthorized === unauthorizedBefore &&
    auth.events['grant.revoked'] === 0;
  console.log(healthy ? 'OK' : 'FAILED');
  process.exitCode = healthy ? 0 : 1;
  manager.dispose();
} finally {
  await notesApi.close();
  await auth.close();
}
