import { mkdir } from 'node:fs/promises';
import { type LaunchedChromium, launchChromium } from '@tokenrelay/test-utils/browser';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BurstResult, TabSnapshot, TokenRelayApp } from '../src/app.ts';
import { type BrowserApp, startBrowserApp } from '../src/server.ts';
import { repoPath, sourceAlias } from './source-alias.ts';

const root = repoPath;
const alias = sourceAlias;
const ARTIFACTS = root('.tmp/artifacts');
const ACQUIRE_TIMEOUT_MS = 5_000;
const TTL_MS = 4_000;

let chromium: LaunchedChromium;
let app: BrowserApp;

beforeAll(async () => {
  chromium = await launchChromium();
  app = await startBrowserApp({ alias, acquireTimeoutMs: ACQUIRE_TIMEOUT_MS });
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

declare const window: { tokenrelayApp: TokenRelayApp };

const openTab = async (context: BrowserContext, tab: string, on: BrowserApp = app): Promise<Page> => {
  const page = await context.newPage();
  await page.goto(`${on.pageUrl}?tab=${tab}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
};
const burst = (page: Page, count: number, client: 'ky' | 'fetch'): Promise<BurstResult> =>
  page.evaluate(([n, c]) => window.tokenrelayApp.burst(n, c), [count, client] as const);
const snapshot = (page: Page): Promise<TabSnapshot> => page.evaluate(() => window.tokenrelayApp.snapshot());

describe('Chromium: one refresh across the tabs of a browser context', () => {
  it('4 pages x 20 concurrent requests x 3 expiries: 3 token calls, no reuse, no failure', async () => {
    // Tokens that really expire (4 s), refreshed on use only: the requests after each expiry find the token expired.
    const timed = await startBrowserApp({
      alias,
      acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
      accessTokenTtlMs: TTL_MS,
      proactive: false,
    });
    const { emu } = timed.server;
    const context = await chromium.browser.newContext();
    try {
      const pages = await Promise.all(['A', 'B', 'C', 'D'].map((tab) => openTab(context, tab, timed)));
      await pages[0]!.evaluate(() => window.tokenrelayApp.signIn());
      const results: BurstResult[] = [];
      for (let expiry = 0; expiry <= 3; expiry++) {
        if (expiry > 0) await new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));
        results.push(
          ...(await Promise.all(pages.map((page, i) => burst(page, 20, i % 2 === 0 ? 'ky' : 'fetch')))),
        );
      }
      expect(results.flatMap((result) => result.failed)).toEqual([]);
      expect(results.reduce((sum, result) => sum + result.ok, 0)).toBe(4 * 20 * 4);
      expect(emu.counters.tokenCalls).toBe(3);
      expect(emu.counters.reuseDetections).toBe(0);
      const snapshots = await Promise.all(pages.map(snapshot));
      expect(snapshots.reduce((sum, s) => sum + s.tokenCalls, 0)).toBe(3);
      // Every page ends on the token of the third refresh (serial 1 is the sign-in's).
      expect(snapshots.map((s) => s.tokenSerial)).toEqual([4, 4, 4, 4]);
    } finally {
      await context.close();
      await timed.close();
    }
  }, 60_000);

  it('logout in one page: every other page reports reauth-required within 1 s, with no token call', async () => {
    const { emu } = app.server;
    const context = await chromium.browser.newContext();
    try {
      const pages = await Promise.all(['A', 'B', 'C', 'D'].map((tab) => openTab(context, tab)));
      await pages[0]!.evaluate(() => window.tokenrelayApp.signIn());
      const warmed = await Promise.all(pages.map((page) => burst(page, 5, 'fetch')));
      expect(warmed.flatMap((result) => result.failed)).toEqual([]);
      const calls = emu.counters.tokenCalls;
      const loggedOutAt = Date.now();
      await pages[0]!.evaluate(() => window.tokenrelayApp.logout());
      const others = pages.slice(1);
      await Promise.all(
        others.map((page) =>
          page.waitForFunction(() => window.tokenrelayApp.snapshot().reauthRequired, undefined, {
            timeout: 1_000,
            polling: 20,
          }),
        ),
      );
      expect(Date.now() - loggedOutAt).toBeLessThan(1_000 + 200);
      expect(emu.counters.tokenCalls).toBe(calls);
      const after = await burst(pages[2]!, 5, 'fetch');
      expect(after.failed).toEqual(Array(5).fill('ReauthRequiredError'));
      expect(emu.counters.tokenCalls).toBe(calls);
    } finally {
      await context.close();
    }
  });

  it('negative control: a second browser context has its own storage and locks, so it refreshes on its own', async () => {
    const { emu } = app.server;
    const first = await chromium.browser.newContext();
    const second = await chromium.browser.newContext();
    try {
      const [a, b] = [await openTab(first, 'ctx1'), await openTab(second, 'ctx2')];
      const grant = await a.evaluate(() => window.tokenrelayApp.signIn());
      await b.evaluate((tokens) => window.tokenrelayApp.useTokens(tokens), grant);
      expect((await burst(a, 5, 'fetch')).failed).toEqual([]);
      expect((await burst(b, 5, 'fetch')).failed).toEqual([]);
      const calls = emu.counters.tokenCalls;
      const reuse = emu.counters.reuseDetections;
      emu.expireAccessTokens();
      expect((await burst(a, 5, 'ky')).failed).toEqual([]);
      // Context 2 does not see context 1's refresh: it presents the refresh token that was already rotated, and
      // the server's reuse detection revokes the grant. This is what the shared store prevents within a context.
      const second2 = await burst(b, 5, 'ky');
      expect(emu.counters.tokenCalls - calls).toBe(2);
      expect(emu.counters.reuseDetections - reuse).toBe(1);
      expect(second2.failed).toEqual(Array(5).fill('ReauthRequiredError'));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('the page holding the lock is closed while its token request is held: another page refreshes in time', async () => {
    const { server } = app;
    const { emu } = server;
    const context = await chromium.browser.newContext();
    try {
      const [holder, waiter] = [await openTab(context, 'holder'), await openTab(context, 'waiter')];
      await holder.evaluate(() => window.tokenrelayApp.signIn());
      expect((await burst(holder, 3, 'fetch')).failed).toEqual([]);
      expect((await burst(waiter, 3, 'fetch')).failed).toEqual([]);
      emu.expireAccessTokens();
      const received = server.tokenRequestsReceived;
      const rotations = emu.counters.successfulRefreshes;
      const reuse = emu.counters.reuseDetections;
      server.holdNextTokenRequest();
      const held = server.tokenRequestHeld();
      void burst(holder, 5, 'fetch').catch(() => undefined);
      await held;
      // The holder now holds the Web Lock and waits for the token endpoint; the waiter queues for the lock.
      const waiting = burst(waiter, 5, 'ky');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closedAt = Date.now();
      await holder.close();
      const result = await waiting;
      expect(Date.now() - closedAt).toBeLessThan(ACQUIRE_TIMEOUT_MS);
      expect(result.failed).toEqual([]);
      expect(server.tokenRequestsReceived - received).toBe(2);
      expect(server.tokenRequestsAbandoned).toBe(1);
      expect(emu.counters.successfulRefreshes - rotations).toBe(1);
      expect(emu.counters.reuseDetections - reuse).toBe(0);
      expect((await snapshot(waiter)).reauthRequired).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('without Web Locks (a page that is not a secure context) the store refuses to run tabs uncoordinated', async () => {
    // `http://app.test` (mapped to the loopback server) is not a secure context, so there is no navigator.locks.
    const insecure = await launchChromium({ extraArgs: ['--host-resolver-rules=MAP app.test 127.0.0.1'] });
    try {
      const page = await insecure.browser.newPage();
      const { port } = new URL(app.pageUrl);
      await page.goto(`http://app.test:${port}/?tab=insecure`);
      await page.waitForFunction(() => document.body.dataset.failed === 'true', undefined, {
        timeout: 10_000,
      });
      expect(await page.evaluate(() => ({ secure: isSecureContext, locks: 'locks' in navigator }))).toEqual({
        secure: false,
        locks: false,
      });
      expect(await page.textContent('#status')).toContain('navigator.locks is not available');
      expect(await page.evaluate(() => 'tokenrelayApp' in window)).toBe(false);
    } finally {
      await insecure.close();
    }
  });

  it('screenshots two tabs side by side after a refresh', async () => {
    const { emu } = app.server;
    const context = await chromium.browser.newContext({ viewport: { width: 480, height: 330 } });
    try {
      const [a, b] = [await openTab(context, 'A'), await openTab(context, 'B')];
      await a.evaluate(() => window.tokenrelayApp.signIn());
      await Promise.all([burst(a, 20, 'ky'), burst(b, 20, 'fetch')]);
      const calls = emu.counters.tokenCalls;
      emu.expireAccessTokens();
      await Promise.all([burst(a, 20, 'ky'), burst(b, 20, 'fetch')]);
      expect(emu.counters.tokenCalls - calls).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300)); // one render tick
      await mkdir(ARTIFACTS, { recursive: true });
      const shots = [
        await a.screenshot({ path: `${ARTIFACTS}/browser-app-tab-a.png` }),
        await b.screenshot({ path: `${ARTIFACTS}/browser-app-tab-b.png` }),
      ];
      // Side by side: both tabs' screenshots in one image, composed by the browser itself.
      const page = await context.newPage();
      await page.setViewportSize({ width: 980, height: 350 });
      await page.setContent(
        `<body style="margin:10px;background:#d0d7de;display:flex;gap:10px">${shots
          .map(
            (png) =>
              `<img style="border:1px solid #8c959f" src="data:image/png;base64,${png.toString('base64')}">`,
          )
          .join('')}</body>`,
      );
      await page.screenshot({ path: `${ARTIFACTS}/browser-app-two-tabs.png` });
    } finally {
      await context.close();
    }
  });
});
