/**
 * A burst of requests through an existing axios instance, across several access-token expiries, against the
 * test-utils OAuth2 server on 127.0.0.1 (rotating refresh tokens with reuse detection, 1 s access tokens).
 * Prints what happened and exits non-zero if tokenrelay's invariants do not hold.
 */
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { createOAuthServer } from '@tokenrelay/test-utils';
import axios from 'axios';

const WAVES = 4;
const PER_WAVE = 50;
const TTL_MS = 1000;

const server = createOAuthServer({ accessTokenTtlMs: TTL_MS });
const live = await server.listen();
const started = performance.now();
try {
  // The app's own instance, with an interceptor of its own, as it was before tokenrelay.
  const api = axios.create({ baseURL: live.apiOrigin, timeout: 10_000 });
  api.interceptors.request.use((config) => {
    config.headers.set('x-app', 'axios-basic');
    return config;
  });

  const manager = createTokenManager({
    tokens: server.tokenSet(),
    skewMs: 0, // let the tokens really expire, so the 401 path is exercised too
    proactive: false,
    refresh: oauth2Refresh({
      tokenEndpoint: live.tokenEndpoint,
      clientId: server.clientId,
      clientSecret: server.clientSecret,
    }),
  });
  let refreshes = 0;
  manager.on('refreshed', () => {
    refreshes += 1;
  });
  attachTokenRefresh(api, manager);

  let ok = 0;
  let failed = 0;
  for (let wave = 1; wave <= WAVES; wave += 1) {
    server.expireAccessTokens();
    const results = await Promise.allSettled(
      Array.from({ length: PER_WAVE }, (_, i) => api.get(`/orders/${wave}-${i}`)),
    );
    const good = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
    ok += good;
    failed += results.length - good;
    console.log(`wave ${wave}: ${PER_WAVE} concurrent requests on an expired token -> ${good} succeeded`);
  }
  manager.dispose();

  const c = server.counters;
  const rows: Array<[string, number | string]> = [
    ['requests', WAVES * PER_WAVE],
    ['succeeded', ok],
    ['failed', failed],
    ['401s the API answered', c.unauthorized],
    ['token endpoint calls', c.tokenCalls],
    ['refreshes', refreshes],
    ['refresh-token reuse detected (grant revoked)', c.reuseDetections],
    ['time', `${Math.round(performance.now() - started)} ms`],
  ];
  console.log('\ntokenrelay + axios: summary');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(46)} ${value}`);
  const healthy = failed === 0 && c.tokenCalls === WAVES && c.reuseDetections === 0;
  console.log(
    healthy ? '\nOK: one refresh per expiry, every request succeeded, no grant revoked.' : '\nFAILED',
  );
  process.exitCode = healthy ? 0 : 1;
} finally {
  await live.close();
}
