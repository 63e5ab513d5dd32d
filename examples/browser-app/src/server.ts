import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  bundlePage,
  type CorsEmulation,
  serveStatic,
  startCorsEmulation,
} from '@tokenrelay/test-utils/browser';

export interface BrowserAppOptions {
  /** Access-token lifetime at the authorization server. Default 60_000 ms. */
  readonly accessTokenTtlMs?: number | undefined;
  /** How long a tab waits for another tab's refresh (the store's acquire timeout). Default 5_000 ms. */
  readonly acquireTimeoutMs?: number | undefined;
  /**
   * The managers' `proactive` option (refresh on a timer before expiry). Default true. The tests turn it off to
   * count refreshes on use, which is what a hidden tab (throttled timers) relies on.
   */
  readonly proactive?: boolean | undefined;
  /** Package name -> source file, to bundle the packages' sources instead of their builds (the tests do). */
  readonly alias?: Readonly<Record<string, string>> | undefined;
}

export interface BrowserApp {
  /** The page; add `?tab=<name>` to name a tab. */
  readonly pageUrl: string;
  readonly pageOrigin: string;
  readonly server: CorsEmulation;
  close(): Promise<void>;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Bundles one of the page's scripts (plain ESM). */
const bundle = (entry: string, alias: Readonly<Record<string, string>> | undefined): Promise<string> =>
  bundlePage(here(entry), alias);

/**
 * Serves the example page on 127.0.0.1 and the OAuth2 emulation (a public client, refresh-token rotation with reuse
 * detection) on three more loopback listeners that allow the page's origin (CORS). `POST /login` on the page origin
 * stands in for a sign-in: it hands out a new grant.
 */
export async function startBrowserApp(options: BrowserAppOptions = {}): Promise<BrowserApp> {
  const [script, scenarios, html] = await Promise.all([
    bundle('./app.ts', options.alias),
    bundle('./scenarios.ts', options.alias),
    readFile(here('./index.html'), 'utf8'),
  ]);
  let server: CorsEmulation | undefined;
  const page = await serveStatic(
    {
      '/': { body: html, contentType: 'text/html; charset=utf-8' },
      '/app.js': { body: script, contentType: 'text/javascript; charset=utf-8' },
      // The adapters' scenarios for the browser tests: a blank page with the scenario functions.
      '/scenarios.html': {
        body: '<!doctype html><meta charset="utf-8"><title>scenarios</title><script type="module" src="/scenarios.js"></script>',
        contentType: 'text/html; charset=utf-8',
      },
      '/scenarios.js': { body: scenarios, contentType: 'text/javascript; charset=utf-8' },
    },
    {
      '/config.json': () => ({
        tokenEndpoint: server?.tokenEndpoint,
        apiOrigin: server?.apiOrigin,
        otherOrigin: server?.otherOrigin,
        clientId: server?.emu.clientId,
        acquireTimeoutMs: options.acquireTimeoutMs ?? 5_000,
        proactive: options.proactive ?? true,
        storeKey: 'example',
      }),
      '/login': () => server?.emu.tokenSet(),
    },
  );
  try {
    server = await startCorsEmulation({
      // After a redirect to another origin a browser sends `Origin: null` (a tainted origin), so the other origin
      // must allow that too for the page to read the final response.
      allowedOrigins: [page.origin, 'null'],
      clientAuth: 'none',
      accessTokenTtlMs: options.accessTokenTtlMs,
    });
  } catch (error) {
    await page.close();
    throw error;
  }
  const emulation = server;
  return {
    pageUrl: `${page.origin}/`,
    pageOrigin: page.origin,
    server: emulation,
    async close() {
      await Promise.all([page.close(), emulation.close()]);
    },
  };
}
