/** Token errors, printed errors, bodies that cannot be replayed, and the caller's own retry budget. */
import { inspect } from 'node:util';
import { NotReplayableError, ReauthRequiredError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { HTTPError, type KyInstance, type Options } from 'ky';
import { describe, expect, it } from 'vitest';
import type { KyVersion } from '../ky-versions.ts';
import { type Harness, rejectionOf } from './harness.ts';

const streamOf = (text: string): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

export function failureSuite(h: Harness, { ky }: KyVersion): void {
  const { emu } = h;
  const client = (options: Options = {}) => {
    const manager = h.manager();
    return { manager, api: ky.create({ baseUrl: emu.apiOrigin, ...options }).extend(tokenRefresh(manager)) };
  };

  describe('token errors', () => {
    it('rejects with ReauthRequiredError itself when the refresh after a 401 is refused', async () => {
      const { manager, api } = client();
      emu.expireAccessTokens();
      emu.revokeGrant();
      const error = await rejectionOf(api.get('things'));
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect(manager.state).toBe('reauth-required');
      expect(h.apiStatuses()).toEqual([401]);
    });

    it('rejects with ReauthRequiredError before sending when the held token is expired and cannot be renewed', async () => {
      const tokens = { ...emu.tokenSet(), expiresAt: Date.now() - 1000 };
      emu.revokeGrant();
      const manager = h.manager({ tokens });
      const api = ky.create({ baseUrl: emu.apiOrigin }).extend(tokenRefresh(manager));
      const error = await rejectionOf(api.get('things'));
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect(emu.counters.apiRequests).toBe(0);
    });

    it('does not refresh on 403 insufficient_scope', async () => {
      const { api } = client();
      const error = await rejectionOf(api.get('forbidden'));
      expect((error as HTTPError).response.status).toBe(403);
      expect(emu.counters.tokenCalls).toBe(0);
    });

    // The wait ends with the signal's reason, well before the held refresh: with ky's timeout, without one (the
    // wait then has no timer of its own), and with the signal of a Request given as input (no hook can tell it from
    // ky's own).
    it.each([
      {
        title: 'stops waiting for a refresh when the caller aborts',
        options: {},
        send: (api: KyInstance, signal: AbortSignal) => api.get('things', { signal }),
      },
      {
        title: 'with timeout: false, still stops waiting for a refresh when the caller aborts',
        options: { timeout: false as const },
        send: (api: KyInstance, signal: AbortSignal) => api.get('things', { signal }),
      },
      {
        title: 'with timeout: false, stops waiting when the signal of a Request given as input aborts',
        options: { timeout: false as const },
        send: (api: KyInstance, signal: AbortSignal) =>
          api(new Request(new URL('things', emu.apiOrigin), { signal })),
      },
    ])('$title', async ({ options, send }) => {
      const { api } = client(options);
      emu.expireAccessTokens();
      emu.faults.enqueue({ type: 'latency', ms: 5_000 });
      const controller = new AbortController();
      const started = Date.now();
      const pending = rejectionOf(send(api, controller.signal));
      setTimeout(() => controller.abort(new Error('caller gave up')), 50);
      const error = await pending;
      expect(error).toEqual(new Error('caller gave up'));
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('with timeout: false and no signal, refreshes and replays as ever', async () => {
      const { api } = client({ timeout: false });
      emu.expireAccessTokens();
      const body = await api.get('things').json<ApiEcho>();
      expect(body.tokenSerial).toBe(2);
      expect(h.apiStatuses()).toEqual([401, 200]);
      expect(emu.counters.tokenCalls).toBe(1);
    });
  });

  describe('printing ky’s errors', () => {
    it('an HTTPError or TimeoutError never prints the token; error.request still has it', async () => {
      const { manager, api } = client({ retry: 0, timeout: 100 });
      const { token } = await manager.getAccessToken();
      const httpError = await rejectionOf(api.get('status/500'));
      emu.faults.apiLatency = () => 1_000;
      const timeoutError = await rejectionOf(api.get('slow'));
      expect((timeoutError as Error).name).toBe('TimeoutError');
      for (const error of [httpError, timeoutError]) {
        for (const text of [
          inspect(error),
          inspect(error, { depth: 6 }),
          JSON.stringify(error),
          String(error),
        ]) {
          expect(text).not.toContain(token);
        }
        expect((error as HTTPError).request.headers.get('authorization')).toBe(`Bearer ${token}`);
      }
    });
  });

  describe('bodies that cannot be sent twice', () => {
    it('with retry: 0, a stream body is not buffered: the 401 comes back with NotReplayableError as its cause', async () => {
      const { api } = client({ retry: 0 });
      emu.expireAccessTokens();
      const error = await rejectionOf(api.post('upload', { body: streamOf('once') }));
      expect(error).toBeInstanceOf(HTTPError);
      expect((error as HTTPError).response.status).toBe(401);
      expect((error as HTTPError).cause).toBeInstanceOf(NotReplayableError);
      // The token was renewed anyway, so the caller can send a new stream at once.
      expect(emu.counters.tokenCalls).toBe(1);
      expect(h.apiStatuses()).toEqual([401]);
    });

    it('with ky’s retries on, ky keeps a copy of a stream body, and the replay sends it', async () => {
      const { api } = client();
      emu.expireAccessTokens();
      const body = await api
        .post('upload', { body: streamOf('streamed'), headers: { 'content-type': 'text/plain' } })
        .json<ApiEcho>();
      expect(body).toMatchObject({ body: 'streamed', tokenSerial: 2 });
    });
  });

  describe('the caller’s retry budget', () => {
    const quick = { delay: () => 0 };

    it('retry: 0 still means no retry after a 503', async () => {
      const { api } = client({ retry: 0 });
      emu.faults.unavailableRemaining = 2;
      const error = await rejectionOf(api.get('unavailable'));
      expect((error as HTTPError).response.status).toBe(503);
      expect(h.apiStatuses()).toEqual([503]);
    });

    it('retry.limit 1 still means one retry after 503s', async () => {
      const { api } = client({ retry: { limit: 1, ...quick } });
      emu.faults.unavailableRemaining = 3;
      const error = await rejectionOf(api.get('unavailable'));
      expect((error as HTTPError).response.status).toBe(503);
      expect(h.apiStatuses()).toEqual([503, 503]);
    });

    it('the replay does not use up the caller’s retries', async () => {
      const { api } = client({ retry: { limit: 1, ...quick } });
      emu.faults.unavailableRemaining = 1;
      emu.expireAccessTokens();
      const body = await api.get('unavailable').json<ApiEcho>();
      expect(body.tokenSerial).toBe(2);
      expect(h.apiStatuses()).toEqual([503, 401, 200]);
    });

    it('the caller’s shouldRetry still decides ordinary retries', async () => {
      const { api } = client({ retry: { limit: 2, ...quick, shouldRetry: () => false } });
      emu.faults.unavailableRemaining = 1;
      emu.expireAccessTokens();
      await rejectionOf(api.get('unavailable'));
      expect(h.apiStatuses()).toEqual([503]);
    });

    it('a retry after a backoff goes out with the token that is current by then', async () => {
      const manager = h.manager();
      const { token: before } = await manager.getAccessToken();
      // Someone else renews the token while this request waits for its retry.
      const api = ky
        .create({
          baseUrl: emu.apiOrigin,
          retry: { limit: 1, ...quick },
          hooks: { beforeRetry: [async () => void (await manager.refresh({ failedToken: before }))] },
        })
        .extend(tokenRefresh(manager));
      emu.faults.unavailableRemaining = 1;
      const body = await api.get('unavailable').json<ApiEcho>();
      const { token: after } = await manager.getAccessToken();
      expect(body.tokenSerial).toBe(2);
      expect(h.apiAuthorizations()).toEqual([`Bearer ${before}`, `Bearer ${after}`]);
      expect(emu.counters.unauthorized).toBe(0);
    });
  });
}
