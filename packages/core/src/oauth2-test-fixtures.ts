/**
 * Test helpers for the oauth2 tests (not part of the package): an injected fetch that records requests, and
 * a refresh context. The secrets below are full of characters that break naive encoders.
 */
import type { RefreshContext } from './types.ts';

export const REFRESH_TOKEN = 'rt-Zq8/+=%:refresh&token';
export const ACCESS_TOKEN = 'at-Xk2.access~token';
export const OLD_ACCESS_TOKEN = 'at-old-Pw3-access';
export const CLIENT_ID = 'client:id with+special%chars é';
export const CLIENT_SECRET = 'p@ss:w+rd%20 ünïcødé/?&=#';
export const ENDPOINT = 'https://auth.example.com/oauth/token';
export const NOW: number = Date.UTC(2026, 10, 6, 8, 49, 0);

export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: URLSearchParams;
  readonly init: RequestInit | undefined;
}

export type Responder = (request: RecordedRequest) => Response | Promise<Response>;

export interface FakeFetch {
  readonly fetch: typeof fetch;
  readonly requests: RecordedRequest[];
}

/** A fetch that records what it is asked and answers with `respond`. */
export function fakeFetch(respond: Responder): FakeFetch {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const recorded: RecordedRequest = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: new URLSearchParams(await request.text()),
      init,
    };
    requests.push(recorded);
    return respond(recorded);
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export const tokenBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  expires_in: 3600,
  ...extra,
});

export function context(overrides: Partial<RefreshContext> = {}): RefreshContext {
  return {
    tokens: { accessToken: OLD_ACCESS_TOKEN, refreshToken: REFRESH_TOKEN },
    refreshToken: REFRESH_TOKEN,
    signal: new AbortController().signal,
    now: () => NOW,
    ...overrides,
  };
}

/** A promise that never settles and ignores every signal: the worst fetch there is. */
export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Settles with the rejection reason, so a test can look at exactly what was thrown. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
