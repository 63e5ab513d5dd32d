import { Readable } from 'node:stream';
import { NotReplayableError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import type { RequestError } from 'got';
import { HttpResponse, http, passthrough } from 'msw';
import { describe, expect, it } from 'vitest';
import { gotVersions } from './got-versions.ts';

const { fx, emu, mswUse } = useEmulation();

const seenBy = (origin: string) => emu.counters.requestsSeenBy(origin);

/** An API path that redirects to `location` and records the headers each hop carried. */
const redirectVia = (path: string, location: string, headerNames: string[]): Array<Array<string | null>> => {
  const hops: Array<Array<string | null>> = [];
  mswUse(
    http.get(emu.apiUrl(path), ({ request }) => {
      hops.push(headerNames.map((name) => request.headers.get(name)));
      return new HttpResponse(null, { status: 302, headers: { location } });
    }),
  );
  return hops;
};

const readAll = async (stream: AsyncIterable<unknown>): Promise<string> => {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
};

describe.each(gotVersions)('$name', ({ got, RequestError, HTTPError }) => {
  const client = (options: Parameters<typeof tokenRefresh>[1] = {}) =>
    got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(fx.manager(), options));

  describe('redirects', () => {
    it('a redirect to another origin arrives without the token', async () => {
      const body = await client().get('redirect/302/landing').json<ApiEcho>();
      expect(body).toMatchObject({ origin: emu.otherOrigin, sawAuthorization: false });
      expect(seenBy(emu.apiOrigin).map((r) => r.authorization)).toEqual([expect.stringMatching(/^Bearer /)]);
      expect(seenBy(emu.otherOrigin).map((r) => r.authorization)).toEqual([undefined]);
    });

    it('a custom header (which got itself would forward) is stripped on a cross-origin redirect', async () => {
      const hops = redirectVia('/hop', emu.otherUrl('/landing'), ['x-access-token']);
      const body = await client({ headerName: 'x-access-token' }).get('hop').json<ApiEcho>();
      expect(hops).toEqual([[expect.stringMatching(/^Bearer /)]]);
      expect(body.origin).toBe(emu.otherOrigin);
      expect(body.headers['x-access-token']).toBeUndefined();
    });

    it('a redirect within the allowed origins carries the token on every hop', async () => {
      const hops = redirectVia('/hop', emu.otherUrl('/landing'), ['authorization']);
      const api = got.extend(tokenRefresh(fx.manager(), { origins: [emu.apiOrigin, emu.otherOrigin] }));
      const body = await api.get(emu.apiUrl('/hop')).json<ApiEcho>();
      expect(body.sawAuthorization).toBe(true);
      expect(seenBy(emu.otherOrigin).map((r) => r.authorization)).toEqual(hops[0]);
    });

    it('a same-origin redirect keeps the token', async () => {
      redirectVia('/hop', emu.apiUrl('/landing'), []);
      const body = await client().get('hop').json<ApiEcho>();
      expect(body).toMatchObject({ path: '/landing', tokenSerial: 1 });
    });

    it('a header the caller set for another origin is left alone', async () => {
      const body = await client()
        .get(emu.otherUrl('/elsewhere'), { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
        .json<ApiEcho>();
      expect(body.sawAuthorization).toBe(true);
      expect(seenBy(emu.otherOrigin).map((r) => r.authorization)).toEqual(['Basic dXNlcjpwYXNz']);
    });
  });

  describe('streams', () => {
    it('got.stream() sends the token', async () => {
      const text = await readAll(client().stream('streamed'));
      expect(JSON.parse(text)).toMatchObject({ path: '/streamed', tokenSerial: 1 });
      expect(seenBy(emu.apiOrigin).map((r) => r.authorization)).toEqual([expect.stringMatching(/^Bearer /)]);
    });

    it('got.stream() waits for the refresh of a token the manager knows to be expired', async () => {
      const manager = fx.manager({ tokens: { ...emu.tokenSet(), expiresAt: Date.now() - 1 } });
      const api = got.extend({ prefixUrl: emu.apiOrigin }, tokenRefresh(manager));
      const text = await readAll(api.stream('streamed'));
      expect(JSON.parse(text)).toMatchObject({ tokenSerial: 2 });
      expect(emu.counters.tokenCalls).toBe(1);
      expect(seenBy(emu.apiOrigin).map((r) => r.status)).toEqual([200]);
    });

    it('got.stream() is not replayed: a 401 is the stream’s HTTPError and nothing is refreshed', async () => {
      const api = client();
      emu.expireAccessTokens();
      const error = await readAll(api.stream('streamed')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HTTPError);
      expect((error as InstanceType<typeof HTTPError>).response.statusCode).toBe(401);
      expect(emu.counters.tokenCalls).toBe(0);
    });
  });

  describe('request bodies', () => {
    it('a Buffer body is sent again on the replay', async () => {
      const api = client();
      emu.expireAccessTokens();
      const body = await api
        .post('upload', { body: Buffer.from('raw bytes'), headers: { 'content-type': 'text/plain' } })
        .json<ApiEcho>();
      expect(body).toMatchObject({ body: 'raw bytes', tokenSerial: 2 });
    });

    it.each([
      ['a Node stream', () => Readable.from(['chunk-1 ', 'chunk-2'])],
      [
        'a generator',
        () =>
          (function* () {
            yield 'chunk-1 ';
            yield 'chunk-2';
          })(),
      ],
    ])(
      '%s body that got a 401 rejects with NotReplayableError; the token is refreshed for the next request',
      async (_, makeBody) => {
        const api = client();
        emu.expireAccessTokens();
        const error = await api
          .post('upload', { body: makeBody(), headers: { 'content-type': 'text/plain' } })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RequestError);
        expect((error as RequestError).code).toBe('NOT_REPLAYABLE');
        expect((error as RequestError).cause).toBeInstanceOf(NotReplayableError);
        expect((error as RequestError).response?.statusCode).toBe(401);
        expect(seenBy(emu.apiOrigin).map((r) => r.status)).toEqual([401]);
        expect(emu.counters.successfulRefreshes).toBe(1);
        // The caller can send a fresh body at once, with the new token.
        const retried = await api.post('upload', {
          body: makeBody(),
          headers: { 'content-type': 'text/plain' },
        });
        expect(JSON.parse(retried.body)).toMatchObject({ body: 'chunk-1 chunk-2', tokenSerial: 2 });
        expect(emu.counters.tokenCalls).toBe(1);
      },
    );

    // got serializes a FormData into a stream before any hook sees it, so after a 401 it counts as consumed.
    // On a real socket: msw's interception answers got 14 before it has finished writing a FormData body.
    it('a FormData body that got a 401 is refused with NotReplayableError, never sent again empty', async () => {
      const live = await emu.listen();
      mswUse(
        http.all(
          ({ request }) => new URL(request.url).hostname === '127.0.0.1',
          () => passthrough(),
        ),
      );
      try {
        const api = got.extend(
          { prefixUrl: live.apiOrigin, retry: { limit: 0 } },
          tokenRefresh(fx.manager()),
        );
        emu.expireAccessTokens();
        const form = new FormData();
        form.set('field', 'value');
        const error = await api.post('form', { body: form }).catch((e: unknown) => e);
        expect((error as RequestError).cause).toBeInstanceOf(NotReplayableError);
        expect(emu.counters.requestsSeenBy(live.apiOrigin).map((r) => r.status)).toEqual([401]);
        // The same FormData sent again goes out in full, with the refreshed token.
        const body = await api.post('form', { body: form }).json<ApiEcho>();
        expect(body).toMatchObject({ tokenSerial: 2 });
        expect(body.body).toMatch(/name="field"\r\n\r\nvalue\r\n/);
      } finally {
        await live.close();
      }
    });
  });
});
