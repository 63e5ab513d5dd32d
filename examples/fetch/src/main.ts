/**
 * Plain fetch with tokenrelay, against a real OAuth2 authorization server on 127.0.0.1 (oidc-provider, 2 s
 * access tokens, rotating refresh tokens); its userinfo endpoint is the protected API.
 *
 * What to look for: the token goes only to the API's origin (a second local server, standing in for a CDN or
 * an analytics endpoint, never sees it); twenty requests that find the token expired wait for one refresh and
 * none of them is sent with the expired token; `tokenRelay: false` sends a request exactly as given.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { startAuthServer } from '@tokenrelay/test-utils/real-server';

const BURST = 20;

/** Another origin on 127.0.0.1 that answers whether it was sent an Authorization header. */
async function startOtherOrigin(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sawAuthorization: req.headers.authorization !== undefined }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const auth = await startAuthServer();
const other = await startOtherOrigin();
try {
  const login = await auth.login({ subject: 'mo' });
  const now = Date.now();
  const manager = createTokenManager({
    tokens: {
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      expiresAt: now + login.expiresIn * 1000,
      issuedAt: now,
    },
    // A short script: no background timer; a request that finds the token expired refreshes it first.
    proactive: false,
    refresh: oauth2Refresh({
      tokenEndpoint: auth.tokenEndpoint,
      clientId: auth.client.clientId,
      clientSecret: auth.client.clientSecret,
    }),
  });
  const reasons: string[] = [];
  manager.on('refresh', ({ reason }) => reasons.push(reason));

  // What went out on the wire, below tokenrelay.
  let sent = 0;
  let unauthorized = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    sent += 1;
    const response = await fetch(input, init);
    if (response.status === 401) unauthorized += 1;
    return response;
  };
  const api = withTokenRefresh(countingFetch, manager, { origins: auth.issuer });
  const me = `${auth.issuer}/me`;

  console.log('fetch with tokenrelay\n');
  const user = (await (await api(me)).json()) as { sub: string };
  console.log(`  GET ${me} -> signed in as ${user.sub}`);
  const elsewhere = (await (await api(`${other.origin}/pixel`)).json()) as { sawAuthorization: boolean };
  console.log(
    `  GET ${other.origin}/pixel -> it ${elsewhere.sawAuthorization ? 'SAW' : 'did not see'} the token`,
  );
  const optedOut = await api(me, { tokenRelay: false });
  await optedOut.body?.cancel();
  console.log(
    `  GET ${me} with tokenRelay: false -> ${optedOut.status} (sent as given: no token, no refresh)`,
  );

  console.log('\n  ... 2.2 s later: the access token has expired ...\n');
  await sleep(2_200);
  const sentBefore = sent;
  const unauthorizedBefore = unauthorized;
  const statuses = await Promise.all(
    Array.from({ length: BURST }, async () => {
      const response = await api(me, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      return response.status;
    }),
  );
  const ok = statuses.filter((status) => status === 200).length;
  console.log(
    `  ${BURST} requests at once -> ${ok} x 200; refreshes: ${reasons.length} (reason: ${reasons.join(', ')}); ` +
      `requests sent: ${sent - sentBefore}, 401s: ${unauthorized - unauthorizedBefore}`,
  );

  const healthy =
    user.sub === 'mo' &&
    !elsewhere.sawAuthorization &&
    optedOut.status === 401 &&
    ok === BURST &&
    reasons.length === 1 &&
    reasons[0] === 'expired' &&
    sent - sentBefore === BURST &&
    unauthorized === unauthorizedBefore;
  console.log(
    `\nresult: the token went to ${auth.issuer} only; ${BURST} requests on an expired token waited for 1 refresh ` +
      `and none was sent with the old token\n${healthy ? 'OK' : 'FAILED'}`,
  );
  process.exitCode = healthy ? 0 : 1;
  manager.dispose();
} finally {
  await other.close();
  await auth.close();
}
