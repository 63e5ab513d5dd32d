/**
 * `node:cluster` workers sharing one OAuth2 grant through Redis. The primary starts a real authorization server
 * (oidc-provider on 127.0.0.1: 2 s access tokens, rotating refresh tokens with reuse detection) and a real
 * redis-server (Debian's, random port, no persistence), signs in once and puts the tokens in Redis; each worker
 * makes its own manager on `redisStore` and sends bursts of requests through several expiries. One worker
 * refreshes per expiry, the others adopt its tokens: no refresh token is presented twice, no grant is revoked.
 *
 *     node src/main.ts [--workers 4] [--seconds 8]
 */
import cluster from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { createRedisStores, redisStore } from '@tokenrelay/redis';
import { startAuthServer } from '@tokenrelay/test-utils/real-server';
import { startRedis } from '@tokenrelay/test-utils/redis';
import { createClient } from 'redis';

const GRANT = 'example-user';
const BURST = 10;

interface Settings {
  readonly redisUrl: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiUrl: string;
  readonly seconds: number;
}

interface WorkerResult {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly refreshes: number;
}

async function runWorker(settings: Settings): Promise<WorkerResult> {
  const client = await createClient({ url: settings.redisUrl }).connect();
  const store = redisStore({ client, grant: GRANT });
  const manager = createTokenManager({
    store,
    refresh: oauth2Refresh({
      tokenEndpoint: settings.tokenEndpoint,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
    }),
  });
  let refreshes = 0;
  manager.on('refreshed', () => {
    refreshes += 1;
  });
  const api = withTokenRefresh(fetch, manager, { origins: new URL(settings.apiUrl).origin });
  let requests = 0;
  let succeeded = 0;
  const deadline = Date.now() + settings.seconds * 1000;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(
      Array.from({ length: BURST }, () =>
        api(settings.apiUrl, { signal: AbortSignal.timeout(15_000) }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status;
          },
          () => 0,
        ),
      ),
    );
    requests += statuses.length;
    succeeded += statuses.filter((status) => status === 200).length;
    await sleep(200);
  }
  manager.dispose();
  store.close();
  client.destroy();
  return { requests, succeeded, failed: requests - succeeded, refreshes };
}

if (cluster.isWorker) {
  const settings = JSON.parse(process.env.TOKENRELAY_EXAMPLE ?? '{}') as Settings;
  const result = await runWorker(settings);
  process.send?.(result, () => process.exit(0));
} else {
  const { values } = parseArgs({
    options: { workers: { type: 'string', default: '4' }, seconds: { type: 'string', default: '8' } },
  });
  const workers = Number(values.workers);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new RangeError('--workers: 1 to 16');
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 60) throw new RangeError('--seconds: 2 to 60');

  const watchdog = setTimeout(
    () => {
      console.error('redis-cluster: not finished in time, giving up');
      process.exit(1);
    },
    (seconds + 40) * 1000,
  );
  watchdog.unref();

  const redis = await startRedis();
  const auth = await startAuthServer({ accessTokenTtl: 2 });
  try {
    const login = await auth.login();
    const client = await createClient({ url: redis.url }).connect();
    const stores = createRedisStores({ client });
    await stores.store(GRANT).set({
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      expiresAt: Date.now() + login.expiresIn * 1000,
      issuedAt: Date.now(),
      version: 1,
    });
    stores.close();
    client.destroy();
    auth.resetEvents();

    console.log(
      `${workers} cluster workers share one grant through Redis for ${seconds} s (2 s access tokens)\n`,
    );
    const settings: Settings = {
      redisUrl: redis.url,
      tokenEndpoint: auth.tokenEndpoint,
      clientId: auth.client.clientId,
      clientSecret: auth.client.clientSecret,
      apiUrl: auth.userinfoUrl,
      seconds,
    };
    const results = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<WorkerResult>((resolve, reject) => {
            const worker = cluster.fork({ TOKENRELAY_EXAMPLE: JSON.stringify(settings) });
            worker.once('message', (result: WorkerResult) => resolve(result));
            worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
          }),
      ),
    );

    const pad = (text: string | number, width: number): string => String(text).padStart(width);
    console.log('worker  requests  succeeded  failed  refreshes');
    results.forEach((result, index) => {
      console.log(
        `${pad(index + 1, 6)}  ${pad(result.requests, 8)}  ${pad(result.succeeded, 9)}  ${pad(result.failed, 6)}  ${pad(result.refreshes, 9)}`,
      );
    });
    const events = auth.events;
    const refreshes = results.reduce((sum, result) => sum + result.refreshes, 0);
    const failed = results.reduce((sum, result) => sum + result.failed, 0);
    const serverRefreshes = events['refresh_token.consumed'];
    console.log('');
    console.log(`refreshes by the workers      ${refreshes}`);
    console.log(
      `refreshes seen by the server  ${serverRefreshes} (each by one worker; the others adopted its tokens)`,
    );
    console.log(`grants revoked (reuse)        ${events['grant.revoked']}`);
    console.log(`failed requests               ${failed}`);
    const ok = failed === 0 && events['grant.revoked'] === 0 && refreshes === serverRefreshes;
    console.log(ok ? '\nOK: one refresh per expiry across the workers' : '\nFAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await auth.close();
    await redis.stop();
  }
}
