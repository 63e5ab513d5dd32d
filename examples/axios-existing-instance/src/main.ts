/**
 * tokenrelay added to an axios instance that an app already has, with request and response interceptors of its
 * own (a request id and an access log). Runs against a real OAuth2 authorization server on 127.0.0.1
 * (oidc-provider, 2 s access tokens, rotating refresh tokens); its userinfo endpoint is the protected API.
 *
 * What to look for: after the access token expires, four requests at once get a 401; tokenrelay refreshes once
 * and replays each of them once. The app's interceptors see every attempt, and a replay keeps its request id.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { startAuthServer } from '@tokenrelay/test-utils/real-server';
import axios, { type InternalAxiosRequestConfig } from 'axios';

const BURST = 4;

const server = await startAuthServer();
try {
  const login = await server.login({ subject: 'ada' });

  // ---- The app's instance, as it was before tokenrelay. ----
  const api = axios.create({ baseURL: server.issuer, timeout: 10_000 });
  const statuses: Array<{ id: string; status: number | string }> = [];
  const startedAt = new WeakMap<InternalAxiosRequestConfig, number>();
  api.interceptors.request.use((config) => {
    // One id per request, kept when the request is sent again.
    if (!config.headers.has('x-request-id')) config.headers.set('x-request-id', randomUUID().slice(0, 8));
    startedAt.set(config, performance.now());
    return config;
  });
  const accessLog = (config: InternalAxiosRequestConfig, status: number | string): void => {
    const id = String(config.headers.get('x-request-id'));
    const ms = Math.round(performance.now() - (startedAt.get(config) ?? performance.now()));
    statuses.push({ id, status });
    console.log(`  app log: ${config.method?.toUpperCase()} ${config.url} [${id}] -> ${status} (${ms} ms)`);
  };
  api.interceptors.response.use(
    (response) => {
      accessLog(response.config, response.status);
      return response;
    },
    (error: unknown) => {
      if (axios.isAxiosError(error) && error.config)
        accessLog(error.config, error.response?.status ?? String(error.code));
      return Promise.reject(error);
    },
  );

  // ---- tokenrelay, attached to that instance. ----
  const manager = createTokenManager({
    // The app kept the two tokens but not when the access token expires: tokenrelay then learns it from a 401.
    tokens: { accessToken: login.accessToken, refreshToken: login.refreshToken },
    refresh: oauth2Refresh({
      tokenEndpoint: server.tokenEndpoint,
      clientId: server.client.clientId,
      clientSecret: server.client.clientSecret,
    }),
  });
  let refreshes = 0;
  manager.on('refresh', ({ reason }) =>
    console.log(`  tokenrelay: refreshing the token (reason: ${reason})`),
  );
  manager.on('refreshed', () => {
    refreshes += 1;
  });
  attachTokenRefresh(api, manager); // origins: the instance's baseURL origin

  console.log('axios instance with interceptors of its own, then tokenrelay\n');
  const first = await api.get<{ sub: string }>('/me');
  console.log(`  signed in as ${first.data.sub}\n`);

  console.log('  ... 2.2 s later: the access token has expired at the server ...\n');
  await sleep(2_200);
  statuses.length = 0;
  const burst = await Promise.allSettled(
    Array.from({ length: BURST }, () => api.get<{ sub: string }>('/me')),
  );

  const ok = burst.filter((r) => r.status === 'fulfilled' && r.value.data.sub === 'ada').length;
  const unauthorized = statuses.filter((s) => s.status === 401);
  const replayedWithSameId = unauthorized.filter((u) =>
    statuses.some((s) => s.id === u.id && s.status === 200),
  );
  console.log(
    `\nresult: ${BURST} requests at once on an expired token -> ${unauthorized.length} x 401, ${refreshes} refresh, ` +
      `${replayedWithSameId.length} replays (same request id), ${ok} of ${BURST} succeeded`,
  );
  const healthy = ok === BURST && refreshes === 1 && replayedWithSameId.length === unauthorized.length;
  console.log(healthy ? 'OK' : 'FAILED');
  process.exitCode = healthy ? 0 : 1;
  manager.dispose();
} finally {
  await server.close();
}
