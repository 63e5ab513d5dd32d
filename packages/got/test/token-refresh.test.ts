import { inspect } from 'node:util';
import { isTokenRelayError, ReauthRequiredError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import type { HTTPError, RequestError } from 'got';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { gotVersions } from './got-versions.ts';

const { fx, emu, mswUse } = useEmulation();

const authorizationsSeen = (origin: string): Array<string | undefined> =>
  emu.counters.requestsSeenBy(origin).map((record) => record.authorization);

const apiStatuses = (): number[] => emu.counters.requestsSeenBy(emu.apiOrigin).map((record) => record.status);

describe.each(gotVersions)('$name', ({ got, RequestError, HTTPError }) => {
  const client = (manager = fx.manager(), extra: Parameters<typeof tokenRefresh>[1] = {}) =>
    got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(manager, extra));

  it('sends the token to the prefixUrl origin', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const body = await client(manager).get('things').json<ApiEcho>();
    expect(body.tokenSerial).toBe(1);
    expect(authorizationsSeen(emu.apiOrigin)).toEqual([`Bearer ${token}`]);
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('never sends the token to another origin, even through the same client', async () => {
    const body = await client().get(emu.otherUrl('/elsewhere')).json<ApiEcho>();
    expect(body.sawAuthorization).toBe(false);
    expect(authorizationsSeen(emu.otherOrigin)).toEqual([undefined]);
  });

  it('sends the token to every origin listed in `origins`, and only there', async () => {
    const api = got.extend(tokenRefresh(fx.manager(), { origins: [emu.apiOrigin] }));
    await api.get(emu.apiUrl('/a')).json();
    await api.get(emu.otherUrl('/b')).json();
    expect(authorizationsSeen(emu.apiOrigin)).toEqual([expect.stringMatching(/^Bearer /)]);
    expect(authorizationsSeen(emu.otherOrigin)).toEqual([undefined]);
  });

  it('fixes the origin from a prefixUrl given in the same options object', async () => {
    const api = got.extend({ ...tokenRefresh(fx.manager()), prefixUrl: emu.apiOrigin });
    await api.get('same-object').json();
    await api.get(emu.otherUrl('/b')).json();
    expect(authorizationsSeen(emu.apiOrigin)).toEqual([expect.stringMatching(/^Bearer /)]);
    expect(authorizationsSeen(emu.otherOrigin)).toEqual([undefined]);
  });

  it('refuses a client with neither `origins` nor a prefixUrl: got.extend() throws a ConfigurationError', () => {
    let thrown: unknown;
    try {
      got.extend(tokenRefresh(fx.manager()));
    } catch (error) {
      thrown = error;
    }
    expect(isTokenRelayError(thrown, 'CONFIGURATION')).toBe(true);
    expect(emu.counters.apiRequests).toBe(0);
  });

  it('a request with context { tokenRelay: false } gets no token and no refresh', async () => {
    const error = await client()
      .get('private', { context: { tokenRelay: false } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.statusCode).toBe(401);
    expect(authorizationsSeen(emu.apiOrigin)).toEqual([undefined]);
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('on a 401 refreshes once and replays the request, body included, with the new token', async () => {
    const api = client();
    await api.get('warm-up').json();
    emu.expireAccessTokens();
    const body = await api.post('orders', { json: { item: 42 } }).json<ApiEcho>();
    expect(body).toMatchObject({ method: 'POST', body: { item: 42 }, tokenSerial: 2 });
    expect(emu.counters.successfulRefreshes).toBe(1);
    expect(apiStatuses()).toEqual([200, 401, 200]);
  });

  it('concurrent 401s share one refresh', async () => {
    const api = client();
    emu.expireAccessTokens();
    const bodies = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.get(`item/${i}`).json<ApiEcho>()),
    );
    expect(bodies.map((b) => b.tokenSerial)).toEqual([2, 2, 2, 2, 2]);
    expect(emu.counters.tokenCalls).toBe(1);
    expect(emu.counters.reuseDetections).toBe(0);
  });

  it('replays at most once: a second 401 is got’s HTTPError, and resolves with throwHttpErrors false', async () => {
    const seen: Array<string | null> = [];
    mswUse(
      http.get(emu.apiUrl('/always-401'), ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.json({ error: 'invalid_token' }, { status: 401 });
      }),
    );
    const api = client();
    const error = await api.get('always-401').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.statusCode).toBe(401);
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(emu.counters.successfulRefreshes).toBe(1);

    const response = await api.get('always-401', { throwHttpErrors: false });
    expect(response.statusCode).toBe(401);
    // The second request is a new one: it may be replayed once too (its 401 came with the current token).
    expect(seen).toHaveLength(4);
    expect(emu.counters.successfulRefreshes).toBe(2);
  });

  it('a replayed request does not stop the next one from being replayed', async () => {
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, context: { tenant: 'acme' } },
      tokenRefresh(fx.manager()),
    );
    emu.expireAccessTokens();
    expect((await api.get('one').json<ApiEcho>()).tokenSerial).toBe(2);
    emu.expireAccessTokens();
    expect((await api.get('two').json<ApiEcho>()).tokenSerial).toBe(3);
    expect(apiStatuses()).toEqual([401, 200, 401, 200]);
  });

  it('a refresh that needs a new sign-in rejects with ReauthRequiredError as error.cause', async () => {
    const api = client();
    emu.revokeGrant();
    const error = await api.get('data').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('REAUTH_REQUIRED');
    expect((error as RequestError).cause).toBeInstanceOf(ReauthRequiredError);
    expect(apiStatuses()).toEqual([401]);
    // Later requests fail at once, without a request to the API.
    const again = await api.get('data').catch((e: unknown) => e);
    expect((again as RequestError).cause).toBeInstanceOf(ReauthRequiredError);
    expect(emu.counters.apiRequests).toBe(1);
  });

  it('does not refresh on 403 insufficient_scope', async () => {
    const error = await client()
      .get('forbidden')
      .catch((e: unknown) => e);
    expect((error as HTTPError).response.statusCode).toBe(403);
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('an abort while the request waits for a refresh rejects it, and the API never sees it', async () => {
    emu.faults.enqueue({ type: 'latency', ms: 400 });
    const manager = fx.manager({ tokens: { ...emu.tokenSet(), expiresAt: Date.now() - 1 } });
    const controller = new AbortController();
    const pending = client(manager).get('slow', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(Date.now() - started).toBeLessThan(350);
    expect(emu.counters.apiRequests).toBe(0);
  });

  it('uses headerName and scheme', async () => {
    const seen: Array<string | null> = [];
    mswUse(
      http.get(emu.apiUrl('/custom'), ({ request }) => {
        seen.push(request.headers.get('x-access-token'), request.headers.get('authorization'));
        return HttpResponse.json({});
      }),
    );
    await client(fx.manager(), { headerName: 'X-Access-Token', scheme: 'Token' }).get('custom');
    expect(seen).toEqual([expect.stringMatching(/^Token \S+$/), null]);
  });

  it('got’s errors do not print the token, however they are logged (HTTP error, abort, via .json())', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const api = client(manager);
    const httpError = await api
      .get('status/500')
      .json()
      .catch((e: unknown) => e);
    emu.faults.apiLatency = () => 2_000;
    const controller = new AbortController();
    const pending = api.get('slow', { signal: controller.signal }).json();
    await vi.waitFor(() => expect(emu.counters.apiRequests).toBe(2));
    controller.abort();
    const aborted = await pending.catch((e: unknown) => e);
    for (const error of [httpError, aborted]) {
      expect(error).toBeInstanceOf(RequestError);
      for (const printed of [inspect(error), inspect(error, { depth: 6 }), JSON.stringify(error)]) {
        expect(printed).not.toContain(token);
      }
      // Still there for code that reads it.
      expect((error as RequestError).options.headers.authorization).toBe(`Bearer ${token}`);
    }
  });
});
