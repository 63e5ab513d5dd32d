import { NotReplayableError, type TokenManager } from '@tokenrelay/core';
import { type TokenRefreshFetch, type TokenRefreshRequestInit, withTokenRefresh } from '@tokenrelay/fetch';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoOf, rejectionOf } from './harness.ts';

const { fx, emu: oauth } = useEmulation();
let manager: TokenManager;
let api: TokenRefreshFetch;

beforeEach(() => {
  manager = fx.manager();
  api = withTokenRefresh(fetch, manager, { origins: oauth.apiOrigin, replayBufferBytes: 64 });
});

const apiStatuses = () => oauth.counters.requestsSeenBy(oauth.apiOrigin).map((r) => r.status);

/** Sends `init` to the API with an expired token: the answer is the echo of the replay. */
async function replayed(
  init: TokenRefreshRequestInit,
  input: string | Request = oauth.apiUrl('/upload'),
): Promise<ApiEcho> {
  oauth.expireAccessTokens();
  const response = await api(input, init);
  expect(response.status).toBe(200);
  expect(apiStatuses()).toEqual([401, 200]);
  const echo = await echoOf(response);
  expect(echo.tokenSerial).toBe(2);
  return echo;
}

const streamOf = (...parts: string[]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
      controller.close();
    },
  });

describe('bodies replayed intact after a refresh', () => {
  it('a string, with its content type', async () => {
    const echo = await replayed({
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(echo.body).toEqual({ a: 1 });
    expect(echo.contentType).toBe('application/json');
  });

  it('a Blob, with its type', async () => {
    const echo = await replayed({ method: 'PUT', body: new Blob(['<a/>'], { type: 'application/xml' }) });
    expect(echo).toMatchObject({ method: 'PUT', body: '<a/>', contentType: 'application/xml' });
  });

  it('an ArrayBuffer', async () => {
    const buffer = new TextEncoder().encode('raw-bytes').buffer;
    expect((await replayed({ method: 'POST', body: buffer })).body).toBe('raw-bytes');
  });

  it('a typed array view (only its own bytes), even if the caller reuses the buffer meanwhile', async () => {
    const bytes = new TextEncoder().encode('[view]');
    const pending = replayed({ method: 'POST', body: bytes.subarray(1, 5) });
    bytes.fill(0x7a); // the caller reuses its buffer while the request is in flight
    expect((await pending).body).toBe('view');
  });

  it('URLSearchParams, form-encoded', async () => {
    const echo = await replayed({ method: 'POST', body: new URLSearchParams({ q: 'a b', n: '1' }) });
    expect(echo.body).toBe('q=a+b&n=1');
    expect(echo.contentType).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('FormData, as multipart whose boundary matches its body', async () => {
    const form = new FormData();
    form.append('name', 'report');
    form.append('file', new Blob(['file contents'], { type: 'text/plain' }), 'r.txt');
    const echo = await replayed({ method: 'POST', body: form });
    expect(echo.contentType).toMatch(/^multipart\/form-data; boundary=/);
    const parsed = await new Response(String(echo.body), {
      headers: { 'content-type': echo.contentType ?? '' },
    }).formData();
    expect(parsed.get('name')).toBe('report');
    const file = parsed.get('file') as File;
    expect(file.name).toBe('r.txt');
    expect(await file.text()).toBe('file contents');
  });

  it('a Request, with its method, headers and body; the caller can still read its Request', async () => {
    const request = new Request(oauth.apiUrl('/upload?x=1'), {
      method: 'PATCH',
      body: JSON.stringify({ patch: true }),
      headers: { 'content-type': 'application/json', 'x-trace': 't1' },
    });
    const echo = await replayed({}, request);
    expect(echo).toMatchObject({ method: 'PATCH', path: '/upload?x=1', body: { patch: true } });
    expect(echo.headers['x-trace']).toBe('t1');
    expect(request.bodyUsed).toBe(false);
    expect(request.headers.has('authorization')).toBe(false);
    expect(await request.json()).toEqual({ patch: true });
  });

  it('a Request with init overrides: init headers replace the Request headers, as in fetch', async () => {
    const request = new Request(oauth.apiUrl('/upload'), {
      method: 'POST',
      body: 'from-request',
      headers: { 'x-a': 'a' },
    });
    const echo = await replayed({ headers: [['x-b', 'b']] }, request);
    expect(echo.body).toBe('from-request');
    expect(echo.headers['x-b']).toBe('b');
    expect(echo.headers['x-a']).toBeUndefined();
  });

  it('a ReadableStream within replayBufferBytes', async () => {
    const init: TokenRefreshRequestInit = {
      method: 'POST',
      body: streamOf('chunk-1,', 'chunk-2'),
      duplex: 'half',
    };
    expect((await replayed(init)).body).toBe('chunk-1,chunk-2');
  });
});

describe('a ReadableStream larger than replayBufferBytes', () => {
  const large = () => streamOf('x'.repeat(40), 'y'.repeat(40));

  it('is sent in full when no refresh is needed', async () => {
    const response = await api(oauth.apiUrl('/upload'), { method: 'POST', body: large(), duplex: 'half' });
    expect((await echoOf(response)).body).toBe(`${'x'.repeat(40)}${'y'.repeat(40)}`);
  });

  it('on a 401 refreshes, then rejects with NotReplayableError; the next request has the new token', async () => {
    oauth.expireAccessTokens();
    const init: TokenRefreshRequestInit = { method: 'POST', body: large(), duplex: 'half' };
    const error = await rejectionOf(api(oauth.apiUrl('/upload'), init));
    expect(error).toBeInstanceOf(NotReplayableError);
    expect((error as Error).message).toContain('replayBufferBytes (64 bytes)');
    expect(oauth.counters.successfulRefreshes).toBe(1);
    expect((await echoOf(await api(oauth.apiUrl('/me')))).tokenSerial).toBe(2);
    expect(apiStatuses()).toEqual([401, 200]);
  });
});

describe('headers given as', () => {
  const cases: Array<[string, () => HeadersInit]> = [
    ['a Headers object', () => new Headers({ 'x-trace': 't' })],
    ['an array of pairs', () => [['x-trace', 't']]],
    ['a record', () => ({ 'x-trace': 't' })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: kept on the replay, the caller's object unchanged`, async () => {
      const headers = make();
      const before = JSON.stringify(headers instanceof Headers ? [...headers] : headers);
      const echo = await replayed({ headers });
      expect(echo.headers['x-trace']).toBe('t');
      expect(JSON.stringify(headers instanceof Headers ? [...headers] : headers)).toBe(before);
    });
  }
});
