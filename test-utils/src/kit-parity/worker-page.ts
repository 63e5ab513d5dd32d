/**
 * The Chromium page of the differential test: the kit runs IN the page, served to the page's own fetch by msw's
 * `setupWorker` (the service worker `mockServiceWorker.js` at the page's origin), and the same scenario code the
 * Node transports run produces the outcome vector. The test drives it through `window.kitParity`.
 */
import type { OAuthServer } from '@tokenrelay/msw';
import { setupWorker } from 'msw/browser';
import { CLIENT, createParityKit, SHORT_TTL_S } from './kit-config.ts';
import { isExpiry, runScenario, type ScenarioName, type ScenarioTarget } from './scenarios.ts';

export interface WorkerScenarioResult {
  readonly outcomes: string[];
  /** Requests the in-page kit recorded during the scenario: proof the worker handed them to it. */
  readonly served: number;
}

export interface KitParityPage {
  run(scenario: ScenarioName): Promise<WorkerScenarioResult>;
  /** The URL of the service worker that controls the page (null when none does). */
  controller(): string | null;
}

const long = createParityKit('long', 'https://auth.example.test');
const short = createParityKit('short', 'https://auth-short.example.test');

const target = (server: OAuthServer): ScenarioTarget => ({
  tokenEndpoint: server.tokenEndpoint,
  revocationEndpoint: server.revocationEndpoint,
  resourceUrl: server.apiUrl('/me'),
  ...CLIENT,
});

/** Token-endpoint and API requests the kit answered. */
const served = (emu: OAuthServer): number => emu.counters.tokenCalls + emu.counters.apiRequests;

const worker = setupWorker(...long.handlers, ...short.handlers);

const page: KitParityPage = {
  async run(scenario) {
    const emu = isExpiry(scenario) ? short : long;
    const before = served(emu);
    const outcomes = await runScenario(scenario, target(emu), emu.issueTokens(), SHORT_TTL_S * 1000);
    return { outcomes, served: served(emu) - before };
  },
  controller: () => navigator.serviceWorker.controller?.scriptURL ?? null,
};

try {
  await worker.start({
    serviceWorker: { url: '/mockServiceWorker.js' },
    onUnhandledFrame: 'error',
    quiet: true,
  });
  Object.assign(window, { kitParity: page });
  document.body.dataset.ready = 'true';
} catch (error) {
  document.body.dataset.ready = `error: ${error instanceof Error ? error.message : String(error)}`;
}
