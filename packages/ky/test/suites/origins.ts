/** Where the token goes: the client's base URL origin, `origins`, never elsewhere, and the per-request switch. */
import { ConfigurationError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { HTTPError } from 'ky';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { KyVersion } from '../ky-versions.ts';
import { type Harness, rejectionOf } from './harness.ts';

export function originSuite(h: Harness, { ky }: KyVersion): void {
  const { emu } = h;

  describe('where the token goes', () => {
    it('sends the token to the origin of `baseUrl`', async () => {
      const manager = h.manager();
      const { token } = await manager.getAccessToken();
      const api = ky.create({ baseUrl: `${emu.apiOrigin}/v1/` }).extend(tokenRefresh(manager));
      const body = await api.get('things').json<ApiEcho>();
      expect(body).toMatchObject({ path: '/v1/things', tokenSerial: 1 });
      expect(h.apiAuthorizations()).toEqual([`Bearer ${token}`]);
      expect(emu.counters.tokenCalls).toBe(0);
    });

    it('sends the token to the origin of an absolute `prefix`', async () => {
      const api = ky.create({ prefix: `${emu.apiOrigin}/v2` }).extend(tokenRefresh(h.manager()));
      const body = await api.get('/things').json<ApiEcho>();
      expect(body).toMatchObject({ path: '/v2/things', tokenSerial: 1 });
    });

    it('never sends the token to another origin, even through the same client', async () => {
      const api = ky.create({ baseUrl: emu.apiOrigin }).extend(tokenRefresh(h.manager()));
      const body = await api.get(emu.otherUrl('/elsewhere')).json<ApiEcho>();
      expect(body.sawAuthorization).toBe(false);
      expect(emu.counters.requestsSeenBy(emu.otherOrigin).map((r) => r.authorization)).toEqual([undefined]);
    });

    it('sends the token to the origins listed in `origins`, and only there', async () => {
      const api = ky.extend(tokenRefresh(h.manager(), { origins: [emu.apiOrigin] }));
      await api.get(emu.apiUrl('/a')).json();
      const other = await api.get(emu.otherUrl('/b')).json<ApiEcho>();
      expect(h.apiAuthorizations()).toEqual([expect.stringMatching(/^Bearer /)]);
      expect(other.sawAuthorization).toBe(false);
    });

    it('`origins` wins over the base URL', async () => {
      const api = ky
        .create({ baseUrl: emu.apiOrigin })
        .extend(tokenRefresh(h.manager(), { origins: emu.otherOrigin }));
      const error = await rejectionOf(api.get('a'));
      // The API got no token, answered 401, and nothing was refreshed for a request we did not authorize.
      expect(error).toBeInstanceOf(HTTPError);
      expect(h.apiAuthorizations()).toEqual([undefined]);
      expect(emu.counters.tokenCalls).toBe(0);
    });

    it('refuses a client with neither `origins` nor an absolute base URL: .extend() throws', () => {
      expect(() => ky.extend(tokenRefresh(h.manager()))).toThrow(ConfigurationError);
      expect(emu.counters.apiRequests).toBe(0);
    });

    it('refuses an `origins` entry that is not an absolute URL when the hooks are made', () => {
      expect(() => tokenRefresh(h.manager(), { origins: ['api.example.test'] })).toThrow(ConfigurationError);
    });

    it('`context: { tokenRelay: false }` sends no token and never refreshes, even on a 401', async () => {
      const api = ky.create({ baseUrl: emu.apiOrigin }).extend(tokenRefresh(h.manager()));
      const open = await api.get(emu.otherUrl('/x'), { context: { tokenRelay: false } }).json<ApiEcho>();
      expect(open.sawAuthorization).toBe(false);
      const error = await rejectionOf(api.get('private', { context: { tokenRelay: false } }));
      expect(error).toBeInstanceOf(HTTPError);
      expect((error as HTTPError).response.status).toBe(401);
      expect(h.apiAuthorizations()).toEqual([undefined]);
      expect(emu.counters.tokenCalls).toBe(0);
    });

    it('the switch leaves the rest of the caller context as it was', async () => {
      const seen: unknown[] = [];
      const api = ky
        .create({ baseUrl: emu.apiOrigin, context: { tenant: 'a' } })
        .extend(tokenRefresh(h.manager()))
        .extend({ hooks: { beforeRequest: [({ options }) => void seen.push({ ...options.context })] } });
      await api.get('one', { context: { trace: 1 } }).json();
      expect(seen).toEqual([{ tenant: 'a', trace: 1 }]);
    });

    it('writes the header and scheme it is told to', async () => {
      h.msw.server.use(
        http.get(emu.apiUrl('/custom'), ({ request }) =>
          HttpResponse.json({
            header: request.headers.get('x-access-token'),
            auth: request.headers.get('authorization'),
          }),
        ),
      );
      const manager = h.manager();
      const { token } = await manager.getAccessToken();
      const api = ky
        .create({ baseUrl: emu.apiOrigin })
        .extend(tokenRefresh(manager, { headerName: 'X-Access-Token', scheme: 'Token' }));
      const body = await api.get('custom', { redirect: 'error' }).json();
      expect(body).toEqual({ header: `Token ${token}`, auth: null });
    });

    it('follows redirects itself for a custom header: dropped on another origin, kept on its own', async () => {
      const manager = h.manager();
      const { token } = await manager.getAccessToken();
      const api = ky
        .create({ baseUrl: emu.apiOrigin })
        .extend(tokenRefresh(manager, { headerName: 'X-Access-Token', scheme: 'Token' }));
      h.msw.server.use(
        http.get(emu.apiUrl('/custom'), ({ request }) =>
          HttpResponse.json({
            header: request.headers.get('x-access-token'),
            auth: request.headers.get('authorization'),
          }),
        ),
        http.get(
          emu.apiUrl('/hop'),
          () => new Response(null, { status: 307, headers: { location: '/custom' } }),
        ),
        http.get(
          emu.apiUrl('/away'),
          () => new Response(null, { status: 302, headers: { location: emu.otherUrl('/x') } }),
        ),
      );
      // Same origin: the header goes on.
      expect(await api.get('hop').json()).toEqual({ header: `Token ${token}`, auth: null });
      // Another origin: it does not, and the response is the one fetch would have given.
      const response = await api.get('away');
      expect(response.url).toBe(emu.otherUrl('/x'));
      expect(response.redirected).toBe(true);
      expect(emu.counters.requestsSeenBy(emu.otherOrigin).map((r) => r.authorization)).toEqual([undefined]);
      expect((await response.json<ApiEcho>()).headers['x-access-token']).toBeUndefined();
    });
  });
}
