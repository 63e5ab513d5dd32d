import type { TokenSet } from '@tokenrelay/core';
import { type LaunchedChromium, launchChromium } from '@tokenrelay/test-utils/browser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_KINDS } from '../src/body-kinds.ts';
import type { ScenarioConfig, Scenarios } from '../src/scenarios.ts';
import { type BrowserApp, startBrowserApp } from '../src/server.ts';
import { sourceAlias } from './source-alias.ts';

const alias = sourceAlias;

let chromium: LaunchedChromium;
let app: BrowserApp;
let page: Page;
let config: ScenarioConfig;

declare const window: { tokenrelayScenarios: Scenarios };

beforeAll(async () => {
  chromium = await launchChromium();
  app = await startBrowserApp({ alias });
  page = await chromium.browser.newPage();
  await page.goto(`${app.pageOrigin}/scenarios.html`);
  await page.waitForFunction(() => window.tokenrelayScenarios !== undefined);
  config = {
    tokenEndpoint: app.server.tokenEndpoint,
    apiOrigin: app.server.apiOrigin,
    otherOrigin: app.server.otherOrigin,
    clientId: app.server.emu.clientId,
  };
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

/** A login grant; `expired`: the client already knows it expired. */
const grant = (expired = false): TokenSet => {
  const tokens = app.server.emu.tokenSet();
  return expired ? { ...tokens, expiresAt: Date.now() - 1_000 } : tokens;
};

describe('Chromium: the ky and fetch adapters', () => {
  it('single flight: 20 ky and 20 fetch requests on an expired token make one token call and all succeed', async () => {
    const { emu } = app.server;
    const calls = emu.counters.tokenCalls;
    const tokens = grant(true);
    const statuses = await page.evaluate(([c, t]) => window.tokenrelayScenarios.concurrent(c, t), [
      config,
      tokens,
    ] as const);
    expect(statuses).toEqual(Array(40).fill(200));
    expect(emu.counters.tokenCalls - calls).toBe(1);
  });

  it('late 401s: 40 requests rejected by the server make one refresh and are each replayed once', async () => {
    const { emu } = app.server;
    const tokens = grant();
    emu.expireAccessTokens();
    const calls = emu.counters.tokenCalls;
    const unauthorized = emu.counters.unauthorized;
    const statuses = await page.evaluate(([c, t]) => window.tokenrelayScenarios.concurrent(c, t), [
      config,
      tokens,
    ] as const);
    expect(statuses).toEqual(Array(40).fill(200));
    expect(emu.counters.tokenCalls - calls).toBe(1);
    expect(emu.counters.unauthorized - unauthorized).toBe(40);
    expect(emu.counters.reuseDetections).toBe(0);
  });

  it('replays each body kind after a 401 (a streamed body is refused by Chromium over HTTP/1.1 before anything is sent)', async () => {
    const { emu } = app.server;
    const grants = BODY_KINDS.map(() => grant());
    emu.expireAccessTokens();
    const calls = emu.counters.tokenCalls;
    const unauthorized = emu.counters.unauthorized;
    const results = [];
    for (const [i, kind] of BODY_KINDS.entries()) {
      results.push(
        await page.evaluate(([c, t, k]) => window.tokenrelayScenarios.replayBody(c, t, k), [
          config,
          grants[i]!,
          kind,
        ] as const),
      );
    }
    const replayed = results.filter((result) => result.kind !== 'fetch:stream');
    for (const result of replayed) {
      expect(result, result.kind).toMatchObject({ status: 200 });
      expect(JSON.stringify(result.body), result.kind).toContain('hello');
    }
    // Every other kind got its 401, one refresh and its replay with the body.
    expect(emu.counters.unauthorized - unauthorized).toBe(replayed.length);
    expect(emu.counters.tokenCalls - calls).toBe(replayed.length);
    // Chromium sends a ReadableStream body only over HTTP/2 or QUIC; on this HTTP/1.1 listener fetch itself rejects,
    // with or without tokenrelay.
    expect(results.find((result) => result.kind === 'fetch:stream')).toMatchObject({ error: 'TypeError' });
  });

  it('origins: the token goes to the API origin only (fetch and ky)', async () => {
    const origins = await page.evaluate(([c, t]) => window.tokenrelayScenarios.origins(c, t), [
      config,
      grant(),
    ] as const);
    expect(origins).toMatchObject({ fetchOther: false, kyOther: false });
    expect(origins.fetchApiSerial).toBeGreaterThan(0);
  });

  it('redirects: followed by the browser without the token; manual gives an opaque redirect; the wrapper mode says it cannot work', async () => {
    const { emu } = app.server;
    const calls = emu.counters.tokenCalls;
    const redirects = await page.evaluate(([c, t]) => window.tokenrelayScenarios.redirects(c, t), [
      config,
      grant(),
    ] as const);
    // `redirects: 'wrapper'` (the default) follows redirects itself with `redirect: 'manual'`; a browser answers that
    // with an opaque response without Location, so the adapter fails with a ConfigurationError instead of guessing.
    expect(redirects.wrapper).toMatchObject({ error: 'ConfigurationError' });
    // `redirects: 'fetch'` and ky: the browser follows and drops Authorization on the cross-origin hop.
    expect(redirects.fetch).toMatchObject({ status: 200, redirected: true, sawAuthorization: false });
    expect(redirects.ky).toMatchObject({ status: 200, redirected: true, sawAuthorization: false });
    // A caller's own `redirect: 'manual'` gets the opaque redirect as it is: status 0, no refresh.
    expect(redirects.manual).toMatchObject({ type: 'opaqueredirect', status: 0 });
    expect(emu.counters.tokenCalls).toBe(calls);
  });

  it('abort: a request waiting for a refresh the server holds rejects with AbortError at once (ky and fetch)', async () => {
    const { emu } = app.server;
    for (const client of ['ky', 'fetch'] as const) {
      emu.faults.enqueue({ type: 'latency', ms: 3_000 });
      const result = await page.evaluate(([c, t, k]) => window.tokenrelayScenarios.abort(c, t, k), [
        config,
        grant(true),
        client,
      ] as const);
      expect(result.outcome, client).toBe('AbortError');
      expect(result.elapsedMs, client).toBeLessThan(1_500);
    }
  });
});
