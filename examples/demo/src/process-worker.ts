/**
 * One process of the demo's multi-process runs (started by src/processes.ts over IPC): a token manager with
 * `oauth2Refresh` and either the shared Redis store or a memory store of its own, requests through
 * @tokenrelay/fetch until the deadline, then a report (counts only, never a token).
 */
import { createTokenManager, oauth2Refresh, type TokenSet, type TokenStore } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { redisStore } from '@tokenrelay/redis';
import { createClient } from 'redis';

export interface ProcessSettings {
  /** `redis`: the shared store; `alone`: the same tokens in a memory store of its own. */
  readonly mode: 'redis' | 'alone';
  readonly redisUrl: string;
  readonly grant: string;
  /** The tokens to start from (`alone` only; with Redis they are read from the store). */
  readonly tokens: TokenSet | undefined;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiUrl: string;
  readonly durationMs: number;
  readonly concurrency: number;
}

export interface ProcessReport {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly refreshes: number;
  readonly firstFailure: string | undefined;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as ProcessSettings;
const client =
  settings.mode === 'redis' ? await createClient({ url: settings.redisUrl }).connect() : undefined;
const shared = client === undefined ? undefined : redisStore({ client, grant: settings.grant });
const store: TokenStore | undefined = shared;
const tokenRequest = oauth2Refresh({
  tokenEndpoint: settings.tokenEndpoint,
  clientId: settings.clientId,
  clientSecret: settings.clientSecret,
});
/** Token requests this process sent. */
let refreshes = 0;
const manager = createTokenManager({
  ...(store === undefined ? { tokens: settings.tokens } : { store }),
  refresh: (context) => {
    refreshes += 1;
    return tokenRequest(context);
  },
  proactive: false,
});
const api = withTokenRefresh(fetch, manager, { origins: new URL(settings.apiUrl).origin });

let requests = 0;
let succeeded = 0;
let firstFailure: string | undefined;
const deadline = Date.now() + settings.durationMs;
await Promise.all(
  Array.from({ length: settings.concurrency }, async () => {
    while (Date.now() < deadline) {
      requests += 1;
      const outcome = await api(settings.apiUrl, { signal: AbortSignal.timeout(10_000) }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200 ? undefined : `HTTP ${response.status}`;
        },
        (error: unknown) => (error instanceof Error ? error.name : 'error'),
      );
      if (outcome === undefined) succeeded += 1;
      else {
        firstFailure ??= outcome;
        // A failing client does not spin: it waits a little before its next request.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }),
);
manager.dispose();
shared?.close();
client?.destroy();
const report: ProcessReport = { requests, succeeded, failed: requests - succeeded, refreshes, firstFailure };
process.send?.(report, () => process.exit(0));
