import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ListeningOAuthServer, OAuthServer } from '@tokenrelay/msw';
import type { LoopbackListener } from '@tokenrelay/msw/node';
import { setupServer } from 'msw/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePageChunks, type LaunchedChromium, launchChromium, serveStatic } from '../browser/index.ts';
import { type AuthServer, startAuthServer } from '../real-server/auth-server.ts';
import { CLIENT, createParityKit as kit, SHORT_TTL_S } from './kit-config.ts';
import {
  EXPECTED,
  isExpiry,
  type LoginTokens,
  runScenario,
  SCENARIOS,
  type ScenarioName,
  type ScenarioTarget,
} from './scenarios.ts';
import type { KitParityPage } from './worker-page.ts';

/**
 * The differential test: the same scenarios (plain fetch, the same client code) against oidc-provider and against
 * @tokenrelay/msw through each of its transports must give the same outcome vectors. The kit is configured like the
 * fixture (kit-config.ts): client_secret_basic with a secret full of characters form-encoding changes, rotation,
 * reuse detection.
 */

type Transport =
  | 'oidc-provider'
  | 'kit through msw setupServer'
  | 'kit .listen() with a child-process client'
  | 'kit through msw setupWorker in Chromium';
const results = new Map<Transport, Map<ScenarioName, string[]>>();
const record = (transport: Transport, scenario: ScenarioName, outcomes: string[]): void => {
  const map = results.get(transport) ?? new Map<ScenarioName, string[]>();
  map.set(scenario, outcomes);
  results.set(transport, map);
};

/** One server for the expiry scenario (short refresh tokens), one for the rest. */
interface Setup {
  target(scenario: ScenarioName): ScenarioTarget;
  login(scenario: ScenarioName): Promise<LoginTokens>;
}

const kitTarget = (server: OAuthServer | ListeningOAuthServer): ScenarioTarget => ({
  tokenEndpoint: server.tokenEndpoint,
  revocationEndpoint: server.revocationEndpoint,
  resourceUrl: server.apiUrl('/me'),
  ...CLIENT,
});

/** Token-endpoint and API requests the kit answered. */
const served = (emu: OAuthServer): number => emu.counters.tokenCalls + emu.counters.apiRequests;

declare const window: { kitParity: KitParityPage };

describe('oidc-provider', () => {
  let long: AuthServer;
  let short: AuthServer;
  const setup: Setup = {
    target: (scenario) => {
      const server = isExpiry(scenario) ? short : long;
      return {
        tokenEndpoint: server.tokenEndpoint,
        revocationEndpoint: server.revocationEndpoint,
        resourceUrl: server.userinfoUrl,
        ...server.client,
      };
    },
    login: (scenario) => (isExpiry(scenario) ? short : long).login(),
  };
  beforeAll(async () => {
    long = await startAuthServer({ ...CLIENT, accessTokenTtl: 30, refreshTokenTtl: 600 });
    short = await startAuthServer({ ...CLIENT, accessTokenTtl: 1, refreshTokenTtl: SHORT_TTL_S });
  });
  afterAll(async () => {
    await Promise.all([long?.close(), short?.close()]);
  });
  it.each(SCENARIOS)('%s', async (scenario) => {
    const outcomes = await runScenario(
      scenario,
      setup.target(scenario),
      await setup.login(scenario),
      SHORT_TTL_S * 1000,
    );
    record('oidc-provider', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
  });
});

describe('kit through msw setupServer', () => {
  const long = kit('long', 'https://auth.example.test');
  const short = kit('short', 'https://auth-short.example.test');
  const server = setupServer(...long.handlers, ...short.handlers);
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  afterAll(() => server.close());
  it.each(SCENARIOS)('%s', async (scenario) => {
    const emu = isExpiry(scenario) ? short : long;
    const outcomes = await runScenario(scenario, kitTarget(emu), emu.issueTokens(), SHORT_TTL_S * 1000);
    record('kit through msw setupServer', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
  });
});

describe('kit .listen() with a child-process client', () => {
  const run = promisify(execFile);
  const client = fileURLToPath(new URL('./scenario-client.ts', import.meta.url));
  const long = kit('long');
  const short = kit('short');
  let live: { long: ListeningOAuthServer; short: ListeningOAuthServer };
  beforeAll(async () => {
    live = { long: await long.listen(), short: await short.listen() };
  });
  afterAll(async () => {
    await Promise.all([live?.long.close(), live?.short.close()]);
  });
  it.each(SCENARIOS)('%s', async (scenario) => {
    const [emu, listener] = isExpiry(scenario) ? [short, live.short] : [long, live.long];
    const input = {
      scenario,
      target: kitTarget(listener),
      tokens: emu.issueTokens(),
      shortTtlMs: SHORT_TTL_S * 1000,
    };
    const { stdout } = await run(process.execPath, [client, JSON.stringify(input)], { timeout: 15_000 });
    const outcomes = JSON.parse(stdout) as string[];
    record('kit .listen() with a child-process client', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
    // The state the child changed is the state this process reads.
    expect(served(emu)).toBeGreaterThan(0);
  });
});

describe('kit through msw setupWorker in Chromium', () => {
  // The page bundles the kit's sources (kit-config.ts, the scenarios) and msw's `setupWorker`; the kit runs in the
  // page and msw's service worker, served at the page's origin root, hands the page's own fetch calls to it.
  // http://127.0.0.1 is a secure context, so the page may register a service worker.
  const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
  let chromium: LaunchedChromium;
  let site: LoopbackListener;
  let page: Page;
  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    const [scripts, workerScript] = await Promise.all([
      // The kit's `.listen()` (node:http) is a dynamic import: its own chunk, never loaded by the page.
      bundlePageChunks(here('./worker-page.ts'), {
        alias: { '@tokenrelay/msw': here('../../../packages/msw/src/index.ts') },
        external: ['node:*'],
      }),
      readFile(require.resolve('msw/mockServiceWorker.js'), 'utf8'),
    ]);
    site = await serveStatic({
      '/': {
        body: '<!doctype html><meta charset="utf-8"><title>kit parity</title><script type="module" src="/worker-page.js"></script>',
        contentType: 'text/html; charset=utf-8',
      },
      ...scripts,
      '/mockServiceWorker.js': { body: workerScript, contentType: 'text/javascript; charset=utf-8' },
    });
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => document.body?.dataset.ready !== undefined);
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('true');
    expect(await page.evaluate(() => window.kitParity.controller())).toBe(
      `${site.origin}/mockServiceWorker.js`,
    );
  }, 30_000);
  afterAll(async () => {
    await chromium?.close();
    await site?.close();
  });
  it.each(SCENARIOS)('%s', async (scenario) => {
    const result = await page.evaluate((name) => window.kitParity.run(name), scenario);
    record('kit through msw setupWorker in Chromium', scenario, result.outcomes);
    expect(result.outcomes).toEqual(EXPECTED[scenario]);
    // The in-page kit answered the page's calls (no network, no Node-side server).
    expect(result.served).toBeGreaterThan(0);
  });
});

describe('differential', () => {
  it('gives the same outcome vector for every scenario from oidc-provider and from each transport of the kit', () => {
    const reference = results.get('oidc-provider');
    expect(reference?.size).toBe(SCENARIOS.length);
    for (const transport of [
      'kit through msw setupServer',
      'kit .listen() with a child-process client',
      'kit through msw setupWorker in Chromium',
    ] as const) {
      expect(results.get(transport), transport).toEqual(reference);
    }
  });
});
