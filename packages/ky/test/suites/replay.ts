/** A 401 refreshes once and replays once, with the new token and the same body, whatever the retry option. */
import { REPLAY_RETRY_CODE, tokenRefresh } from '@tokenrelay/ky';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { type BeforeRequestHook, HTTPError, type Options } from 'ky';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { KyVersion } from '../ky-versions.ts';
import { type Harness, rejectionOf } from './harness.ts';

export function replaySuite(h: Harness, { ky }: KyVersion): void {
  const { emu } = h;
  const client = (options: Options = {}) => {
    const manager = h.manager();
    return { manager, api: ky.create({ baseUrl: emu.apiOrigin, ...options }).extend(tokenRefresh(manager)) };
  };

  describe('refresh and replay on a 401', () => {
    it('refreshes once and replays with the new token', async () => {
      const { manager, api } = client();
      const { token: before } = await manager.getAccessToken();
      emu.expireAccessTokens();
      const body = await api.get('things?x=1').json<ApiEcho>();
      const { token: after } = await manager.getAccessToken();
      expect(after).not.toBe(before);
      expect(body).toMatchObject({ path: '/things?x=1', tokenSerial: 2 });
      expect(h.apiStatuses()).toEqual([401, 200]);
      expect(h.apiAuthorizations()).toEqual([`Bearer ${before}`, `Bearer ${after}`]);
      expect(emu.counters.tokenCalls).toBe(1);
    });

    describe.each([
      ['default retry', undefined],
      ['retry: 0', 0],
    ] as const)('with %s', (_, retry) => {
      it.each(['post', 'put', 'patch'] as const)('replays %s with its JSON body', async (method) => {
        const { api } = client(retry === undefined ? {} : { retry });
        emu.expireAccessTokens();
        const json = { name: 'ada', tags: ['x', 'y'], n: 1 };
        const body = await api[method]('items', { json }).json<ApiEcho>();
        expect(body).toMatchObject({ method: method.toUpperCase(), body: json, tokenSerial: 2 });
        expect(body.contentType).toBe('application/json');
        expect(h.apiStatuses()).toEqual([401, 200]);
      });

      it('replays a FormData body, boundary and all', async () => {
        const { api } = client(retry === undefined ? {} : { retry });
        emu.expireAccessTokens();
        const form = new FormData();
        form.append('name', 'ada');
        form.append('file', new Blob(['file-content'], { type: 'text/plain' }), 'notes.txt');
        const body = await api.post('upload', { body: form }).json<ApiEcho>();
        const boundary = /boundary=(.+)$/.exec(body.contentType ?? '')?.[1];
        expect(boundary).toBeDefined();
        expect(body.body).toEqual(expect.stringContaining(`--${boundary}`));
        expect(body.body).toEqual(expect.stringContaining('file-content'));
        expect(body.body).toEqual(expect.stringMatching(/name="name"\r\n\r\nada\r\n/));
        expect(body.tokenSerial).toBe(2);
      });

      it('replays URLSearchParams and byte bodies', async () => {
        const { api } = client(retry === undefined ? {} : { retry });
        emu.expireAccessTokens();
        const form = await api
          .post('form', { body: new URLSearchParams({ a: '1', b: 'x y' }) })
          .json<ApiEcho>();
        expect(form).toMatchObject({ body: 'a=1&b=x+y', tokenSerial: 2 });
        expect(form.contentType).toMatch(/^application\/x-www-form-urlencoded/);
        emu.expireAccessTokens();
        const bytes = new TextEncoder().encode('raw bytes');
        const raw = await api
          .put('raw', { body: bytes, headers: { 'content-type': 'application/octet-stream' } })
          .json<ApiEcho>();
        expect(raw).toMatchObject({ body: 'raw bytes', tokenSerial: 3 });
        expect(h.apiStatuses()).toEqual([401, 200, 401, 200]);
      });

      it('replays a plain-text body', async () => {
        const { api } = client(retry === undefined ? {} : { retry });
        emu.expireAccessTokens();
        const body = await api.put('notes/1', { body: 'hello', headers: { 'content-type': 'text/plain' } });
        expect(await body.json()).toMatchObject({ method: 'PUT', body: 'hello', tokenSerial: 2 });
      });
    });

    it('returns a second 401 to the caller as ky does, after one refresh: no loop', async () => {
      const seen: Array<string | null> = [];
      h.msw.server.use(
        http.get(emu.apiUrl('/always-401'), ({ request }) => {
          seen.push(request.headers.get('authorization'));
          return HttpResponse.json(
            { error: 'invalid_token' },
            { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
          );
        }),
      );
      const { manager, api } = client();
      const { token: before } = await manager.getAccessToken();
      const error = await rejectionOf(api.get('always-401'));
      const { token: after } = await manager.getAccessToken();
      expect(error).toBeInstanceOf(HTTPError);
      expect((error as HTTPError).response.status).toBe(401);
      expect(seen).toEqual([`Bearer ${before}`, `Bearer ${after}`]);
      expect(emu.counters.tokenCalls).toBe(1);
    });

    it('shares one refresh among concurrent requests rejected with the same token', async () => {
      const { api } = client();
      emu.expireAccessTokens();
      const bodies = await Promise.all(
        Array.from({ length: 5 }, (_, i) => api.get(`c/${i}`).json<ApiEcho>()),
      );
      expect(bodies.map((b) => b.tokenSerial)).toEqual([2, 2, 2, 2, 2]);
      expect(emu.counters.tokenCalls).toBe(1);
      expect(emu.counters.reuseDetections).toBe(0);
    });

    it('shows the replay to beforeRetry hooks as a forced retry with its own code', async () => {
      const seen: unknown[] = [];
      const { api } = client({
        hooks: {
          beforeRetry: [
            ({ error, retryCount }) =>
              void seen.push({ name: error.name, code: (error as { code?: unknown }).code, retryCount }),
          ],
        },
      });
      emu.expireAccessTokens();
      await api.get('things').json();
      expect(seen).toEqual([{ name: 'ForceRetryError', code: REPLAY_RETRY_CODE, retryCount: 1 }]);
    });
  });

  describe('with the caller’s own beforeRequest hooks', () => {
    const userHook: BeforeRequestHook = ({ request }) => {
      request.headers.set('authorization', 'Bearer set-by-the-caller');
    };

    it('a hook that runs before ours: our token goes out, and the replay carries the new one', async () => {
      const manager = h.manager();
      const { token: before } = await manager.getAccessToken();
      const api = ky
        .create({ baseUrl: emu.apiOrigin, hooks: { beforeRequest: [userHook] } })
        .extend(tokenRefresh(manager));
      emu.expireAccessTokens();
      const body = await api.post('items', { json: { a: 1 } }).json<ApiEcho>();
      const { token: after } = await manager.getAccessToken();
      expect(h.apiAuthorizations()).toEqual([`Bearer ${before}`, `Bearer ${after}`]);
      expect(body).toMatchObject({ body: { a: 1 }, tokenSerial: 2 });
    });

    it('a hook that runs after ours does not overwrite the refreshed token on the replay', async () => {
      const manager = h.manager();
      const api = ky
        .create({ baseUrl: emu.apiOrigin, retry: 0 })
        .extend(tokenRefresh(manager))
        .extend({ hooks: { beforeRequest: [userHook] } });
      const body = await api.post('items', { json: { a: 1 } }).json<ApiEcho>();
      const { token: after } = await manager.getAccessToken();
      expect(h.apiAuthorizations()).toEqual(['Bearer set-by-the-caller', `Bearer ${after}`]);
      expect(body).toMatchObject({ body: { a: 1 }, tokenSerial: 2 });
    });
  });
}
