/**
 * The example page: one token manager per tab on `browserStore()`, a ky instance and a wrapped fetch on it. Every
 * tab shows its token's age, the token calls it made, and its requests. Open it in two tabs and watch one refresh
 * serve both. The page also exposes `window.tokenrelayApp` so that the browser tests can drive it.
 */
import { browserStore } from '@tokenrelay/browser';
import { createTokenManager, isReauthRequiredError, oauth2Refresh, type TokenSet } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { tokenRefresh } from '@tokenrelay/ky';
import ky from 'ky';

export interface AppConfig {
  readonly tokenEndpoint: string;
  readonly apiOrigin: string;
  readonly clientId: string;
  readonly acquireTimeoutMs: number;
  readonly proactive: boolean;
  readonly storeKey: string;
}

export interface TabSnapshot {
  readonly tab: string;
  readonly status: string;
  readonly reauthRequired: boolean;
  readonly reauthAt: number | undefined;
  readonly tokenCalls: number;
  readonly requestsOk: number;
  readonly requestsFailed: number;
  readonly failures: readonly string[];
  readonly tokenSerial: number | undefined;
  readonly tokenAgeMs: number | undefined;
}

export interface BurstResult {
  readonly ok: number;
  readonly failed: readonly string[];
  readonly tokenSerials: readonly number[];
}

export interface TokenRelayApp {
  /** Signs in with a new grant; resolves to it (the tests hand the same grant to another browser context). */
  signIn(): Promise<TokenSet>;
  /** Signs in with tokens from elsewhere. */
  useTokens(tokens: TokenSet): Promise<void>;
  burst(count: number, client: 'ky' | 'fetch'): Promise<BurstResult>;
  logout(): Promise<void>;
  snapshot(): TabSnapshot;
}

declare global {
  interface Window {
    tokenrelayApp?: TokenRelayApp;
  }
}

const config = (await (await fetch('/config.json')).json()) as AppConfig;
const tab = new URLSearchParams(location.search).get('tab') ?? 'tab';

let tokenCalls = 0;
let requestsOk = 0;
let requestsFailed = 0;
const failures: string[] = [];
let tokens: TokenSet | undefined;
let tokenSerial: number | undefined;
let reauthAt: number | undefined;

const openStore = (): ReturnType<typeof browserStore> => {
  try {
    return browserStore({ key: config.storeKey, acquireTimeoutMs: config.acquireTimeoutMs });
  } catch (error) {
    // No Web Locks (a page that is not a secure context): say so instead of running each tab on its own.
    const status = document.getElementById('status');
    if (status !== null) status.textContent = error instanceof Error ? error.message : String(error);
    document.body.dataset.failed = 'true';
    throw error;
  }
};
const store = openStore();
const manager = createTokenManager({
  store,
  proactive: config.proactive,
  refresh: oauth2Refresh({
    tokenEndpoint: config.tokenEndpoint,
    clientId: config.clientId,
    clientAuth: 'none',
    // Counts this tab's own token calls; the token endpoint is still called with the plain fetch.
    fetch: (input, init) => {
      tokenCalls += 1;
      return fetch(input, init);
    },
  }),
});
manager.on('tokens', (next) => {
  tokens = next;
  if (next !== undefined) reauthAt = undefined;
});
manager.on('reauth-required', () => {
  reauthAt ??= Date.now();
});

const api = ky.create({ baseUrl: `${config.apiOrigin}/`, retry: 0 }).extend(tokenRefresh(manager));
const apiFetch = withTokenRefresh(fetch, manager, {
  origins: config.apiOrigin,
});

const request = async (client: 'ky' | 'fetch', path: string): Promise<number> => {
  if (client === 'ky') return (await api.get(path).json<{ tokenSerial: number }>()).tokenSerial;
  const response = await apiFetch(`${config.apiOrigin}/${path}`);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return ((await response.json()) as { tokenSerial: number }).tokenSerial;
};

const describe = (error: unknown): string =>
  isReauthRequiredError(error)
    ? 'ReauthRequiredError'
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);

const app: TokenRelayApp = {
  async signIn() {
    const login = (await (await fetch('/login', { method: 'POST' })).json()) as TokenSet;
    await manager.setTokens(login);
    return login;
  },
  async useTokens(given) {
    await manager.setTokens(given);
  },
  async burst(count, client) {
    const serials: number[] = [];
    const failed: string[] = [];
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        try {
          serials.push(await request(client, `items/${tab}-${i}`));
          requestsOk += 1;
        } catch (error) {
          requestsFailed += 1;
          failed.push(describe(error));
        }
      }),
    );
    failures.push(...failed);
    tokenSerial = serials.length > 0 ? Math.max(...serials) : tokenSerial;
    return { ok: serials.length, failed, tokenSerials: [...new Set(serials)].sort((a, b) => a - b) };
  },
  async logout() {
    await manager.revoke();
  },
  snapshot() {
    return {
      tab,
      status: manager.state,
      reauthRequired: manager.state === 'reauth-required',
      reauthAt,
      tokenCalls,
      requestsOk,
      requestsFailed,
      failures: [...failures],
      tokenSerial,
      tokenAgeMs: tokens?.issuedAt === undefined ? undefined : Date.now() - tokens.issuedAt,
    };
  },
};
window.tokenrelayApp = app;

const render = (): void => {
  const s = app.snapshot();
  const set = (id: string, text: string): void => {
    const element = document.getElementById(id);
    if (element !== null) element.textContent = text;
  };
  set('tab', s.tab);
  set('status', s.reauthRequired ? 'reauth-required: sign in again' : s.status);
  set('serial', s.tokenSerial === undefined ? '-' : `#${s.tokenSerial}`);
  set('age', s.tokenAgeMs === undefined ? '-' : `${(s.tokenAgeMs / 1000).toFixed(1)} s`);
  set('calls', String(s.tokenCalls));
  set('ok', String(s.requestsOk));
  set('failed', String(s.requestsFailed));
};
setInterval(render, 250);
render();

const on = (id: string, action: () => Promise<unknown>): void =>
  document.getElementById(id)?.addEventListener('click', () => void action().finally(render));
on('sign-in', () => app.signIn());
on('burst-ky', () => app.burst(20, 'ky'));
on('burst-fetch', () => app.burst(20, 'fetch'));
on('logout', () => app.logout());
document.body.dataset.ready = 'true';
