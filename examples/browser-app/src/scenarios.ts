/**
 * The ky and fetch adapters' browser-relevant scenarios, run inside the page by the Chromium test (not part of the
 * example's UI). Each scenario gets its own manager (in-memory store) and the grant(s) the test hands it, and returns
 * what a user of the page would observe: statuses, echoed bodies, whether a token was seen, error names.
 */
import { createTokenManager, oauth2Refresh, type TokenManager, type TokenSet } from '@tokenrelay/core';
import { type RedirectHandling, withTokenRefresh } from '@tokenrelay/fetch';
import { tokenRefresh } from '@tokenrelay/ky';
import ky from 'ky';
import type { BodyKind } from './body-kinds.ts';

export interface ScenarioConfig {
  readonly tokenEndpoint: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  readonly clientId: string;
}

interface Echo {
  readonly body?: unknown;
  readonly contentType?: string | null;
  readonly tokenSerial?: number;
  readonly sawAuthorization?: boolean;
}

export interface BodyResult {
  readonly kind: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly tokenSerial?: number | undefined;
  readonly error?: string;
  readonly cause?: string | undefined;
}

export interface ResponseSummary {
  readonly type?: string;
  readonly status?: number;
  readonly redirected?: boolean;
  readonly sawAuthorization?: boolean | undefined;
  readonly error?: string;
  readonly cause?: string;
}

export interface Scenarios {
  concurrent(config: ScenarioConfig, tokens: TokenSet): Promise<(number | string)[]>;
  replayBody(config: ScenarioConfig, tokens: TokenSet, kind: BodyKind): Promise<BodyResult>;
  origins(
    config: ScenarioConfig,
    tokens: TokenSet,
  ): Promise<{
    fetchOther?: boolean | undefined;
    kyOther?: boolean | undefined;
    fetchApiSerial?: number | undefined;
  }>;
  redirects(
    config: ScenarioConfig,
    tokens: TokenSet,
  ): Promise<Record<'wrapper' | 'fetch' | 'manual' | 'ky', ResponseSummary>>;
  abort(
    config: ScenarioConfig,
    tokens: TokenSet,
    client: 'ky' | 'fetch',
  ): Promise<{ outcome: string; elapsedMs: number }>;
}

const managerFor = (config: ScenarioConfig, tokens: TokenSet): TokenManager =>
  createTokenManager({
    tokens,
    proactive: false,
    refresh: oauth2Refresh({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientAuth: 'none',
    }),
  });

const wrapFetch = (
  config: ScenarioConfig,
  manager: TokenManager,
  redirects?: RedirectHandling,
): ReturnType<typeof withTokenRefresh> =>
  withTokenRefresh(fetch, manager, {
    origins: config.apiOrigin,
    ...(redirects === undefined ? {} : { redirects }),
  });
const kyFor = (config: ScenarioConfig, manager: TokenManager): typeof ky =>
  ky.create({ baseUrl: `${config.apiOrigin}/`, retry: 0 }).extend(tokenRefresh(manager));

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

/** 20 ky and 20 fetch requests at once; `tokens` is expired (client side) or rejected by the server (late 401). */
async function concurrent(config: ScenarioConfig, tokens: TokenSet): Promise<(number | string)[]> {
  const manager = managerFor(config, tokens);
  const api = kyFor(config, manager);
  const apiFetch = wrapFetch(config, manager);
  const statuses = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) =>
      api.get(`ky/${i}`).then(
        (r) => r.status,
        (e: unknown) => errorName(e),
      ),
    ),
    ...Array.from({ length: 20 }, (_, i) =>
      apiFetch(`${config.apiOrigin}/fetch/${i}`).then(
        (r) => r.status,
        (e: unknown) => errorName(e),
      ),
    ),
  ]);
  return statuses;
}

const form = (): FormData => {
  const data = new FormData();
  data.set('note', 'hello');
  return data;
};

/** One POST of `kind` with a token the server already rejects: a 401, one refresh, the replay with the body. */
async function replayBody(config: ScenarioConfig, tokens: TokenSet, kind: BodyKind): Promise<BodyResult> {
  const manager = managerFor(config, tokens);
  const url = `${config.apiOrigin}/notes`;
  const apiFetch = wrapFetch(config, manager);
  const api = kyFor(config, manager);
  const text = 'hello';
  const send = (): Promise<Response> => {
    switch (kind) {
      case 'fetch:string':
        return apiFetch(url, { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } });
      case 'fetch:urlsearchparams':
        return apiFetch(url, { method: 'POST', body: new URLSearchParams({ note: text }) });
      case 'fetch:formdata':
        return apiFetch(url, { method: 'POST', body: form() });
      case 'fetch:blob':
        return apiFetch(url, { method: 'POST', body: new Blob([text], { type: 'text/plain' }) });
      case 'fetch:arraybuffer':
        return apiFetch(url, {
          method: 'POST',
          body: new TextEncoder().encode(text).buffer as ArrayBuffer,
          headers: { 'content-type': 'text/plain' },
        });
      case 'fetch:uint8array':
        return apiFetch(url, {
          method: 'POST',
          body: new TextEncoder().encode(text),
          headers: { 'content-type': 'text/plain' },
        });
      case 'fetch:request':
        return apiFetch(
          new Request(url, { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } }),
        );
      case 'fetch:stream':
        return apiFetch(url, {
          method: 'POST',
          body: new Blob([text]).stream(),
          headers: { 'content-type': 'text/plain' },
          duplex: 'half',
        } as RequestInit);
      case 'ky:json':
        return api.post('notes', { json: { note: text } });
      case 'ky:string':
        return api.post('notes', { body: text, headers: { 'content-type': 'text/plain' } });
      case 'ky:formdata':
        return api.post('notes', { body: form() });
      case 'ky:urlsearchparams':
        return api.post('notes', { body: new URLSearchParams({ note: text }) });
    }
  };
  try {
    const response = await send();
    const echo = (await response.json()) as Echo;
    return { kind, status: response.status, body: echo.body, tokenSerial: echo.tokenSerial };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { kind, error: errorName(error), cause: cause === undefined ? undefined : errorName(cause) };
  }
}

/** The token goes to the API origin only. */
async function origins(config: ScenarioConfig, tokens: TokenSet): ReturnType<Scenarios['origins']> {
  const manager = managerFor(config, tokens);
  const apiFetch = wrapFetch(config, manager);
  const api = kyFor(config, manager);
  const seen = async (response: Promise<Response>): Promise<boolean | undefined> =>
    ((await (await response).json()) as Echo).sawAuthorization;
  return {
    fetchOther: await seen(apiFetch(`${config.otherOrigin}/x`)),
    kyOther: await seen(api.get(`${config.otherOrigin}/x`)),
    fetchApiSerial: ((await (await apiFetch(`${config.apiOrigin}/x`)).json()) as Echo).tokenSerial,
  };
}

const describeResponse = async (response: Promise<Response>): Promise<ResponseSummary> => {
  try {
    const r = await response;
    const echo = r.type === 'opaqueredirect' || r.status === 0 ? undefined : ((await r.json()) as Echo);
    return {
      type: r.type,
      status: r.status,
      redirected: r.redirected,
      sawAuthorization: echo?.sawAuthorization,
    };
  } catch (error) {
    return { error: errorName(error), cause: errorName((error as { cause?: unknown }).cause) };
  }
};

/** A redirect from the API to another origin, with each of the adapter's redirect modes and a manual one. */
async function redirects(config: ScenarioConfig, tokens: TokenSet): ReturnType<Scenarios['redirects']> {
  const manager = managerFor(config, tokens);
  const target = `${config.apiOrigin}/redirect/302/landing`;
  return {
    wrapper: await describeResponse(wrapFetch(config, manager, 'wrapper')(target)),
    fetch: await describeResponse(wrapFetch(config, manager, 'fetch')(target)),
    manual: await describeResponse(wrapFetch(config, manager, 'fetch')(target, { redirect: 'manual' })),
    ky: await describeResponse(kyFor(config, manager).get(target)),
  };
}

/** A request aborted while it waits for a refresh that the server holds. */
async function abort(
  config: ScenarioConfig,
  tokens: TokenSet,
  client: 'ky' | 'fetch',
): ReturnType<Scenarios['abort']> {
  const manager = managerFor(config, tokens);
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 100);
  const request =
    client === 'ky'
      ? kyFor(config, manager).get('x', { signal: controller.signal })
      : wrapFetch(config, manager)(`${config.apiOrigin}/x`, { signal: controller.signal });
  const outcome = await request.then(
    (r) => `HTTP ${r.status}`,
    (e: unknown) => errorName(e),
  );
  return { outcome, elapsedMs: Math.round(performance.now() - started) };
}

export const scenarios: Scenarios = { concurrent, replayBody, origins, redirects, abort };
declare global {
  interface Window {
    tokenrelayScenarios?: Scenarios;
  }
}
window.tokenrelayScenarios = scenarios;
