/**
 * Token-endpoint fault injection (issue "reliability and security suite", part 2): every broken answer a token
 * endpoint or the network between can give gets a typed error of the right kind, a body is never read past
 * `maxResponseBytes`, nothing hangs, and, run through a manager, a configuration or malformed-response error
 * never costs the user their tokens.
 */
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../src/errors.ts';
import { RefreshFailedError, TokenEndpointError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { memoryStore } from '../src/memory-store.ts';
import { oauth2Refresh } from '../src/oauth2.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  context,
  ENDPOINT,
  json,
  never,
  rejection,
  tokenBody,
} from '../src/oauth2-test-fixtures.ts';
import { createFakeClock } from '../src/testing.ts';
import { countingBody, drip } from './support/bodies.ts';

type Answer = () => Response | Promise<Response>;

const refreshWith = (answer: Answer, options: { timeoutMs?: number; maxResponseBytes?: number } = {}) =>
  oauth2Refresh({
    tokenEndpoint: ENDPOINT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch: (async () => answer()) as typeof fetch,
    ...options,
  });

const failure = async (answer: Answer, options?: { timeoutMs?: number; maxResponseBytes?: number }) => {
  const error = await rejection(refreshWith(answer, options)(context()));
  expect(error).toBeInstanceOf(TokenEndpointError);
  return error as TokenEndpointError;
};

const raw = (text: string, status = 200, type = 'application/json') =>
  new Response(text, { status, headers: { 'content-type': type } });

const HTML = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>';

const cases: Array<[string, FailureKind, number | undefined, Answer]> = [
  ['truncated JSON', 'config', 200, () => raw('{"access_token":"at","token_ty')],
  ['a JSON array', 'config', 200, () => raw('[{"access_token":"at"}]')],
  ['a JSON string', 'config', 200, () => raw('"at"')],
  ['an empty 200', 'config', 200, () => raw('')],
  ['an HTML page with 200', 'config', 200, () => raw(HTML, 200, 'text/html')],
  ['an HTML error page with 400', 'config', 400, () => raw(HTML, 400, 'text/html')],
  ['an HTML error page with 502', 'transient', 502, () => raw(HTML, 502, 'text/html')],
  [
    'a form-encoded answer',
    'config',
    200,
    () => raw('access_token=at&token_type=bearer', 200, 'application/x-www-form-urlencoded'),
  ],
  [
    'bytes that are not UTF-8',
    'config',
    200,
    () => new Response(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { status: 200 }),
  ],
  ['no access_token', 'config', 200, () => json({ token_type: 'Bearer', expires_in: 3600 })],
  ['an empty access_token', 'config', 200, () => json(tokenBody({ access_token: '' }))],
  ['a numeric access_token', 'config', 200, () => json(tokenBody({ access_token: 12345 }))],
  [
    'an access_token with a newline',
    'config',
    200,
    () => json(tokenBody({ access_token: 'at\r\nX-Evil: 1' })),
  ],
  ['expires_in as a word', 'config', 200, () => json(tokenBody({ expires_in: 'soon' }))],
  ['expires_in negative', 'config', 200, () => json(tokenBody({ expires_in: -1 }))],
  ['expires_in zero', 'config', 200, () => json(tokenBody({ expires_in: 0 }))],
  ['expires_in "NaN"', 'config', 200, () => json(tokenBody({ expires_in: 'NaN' }))],
  [
    'expires_in 1e400 (Infinity)',
    'config',
    200,
    () => raw('{"access_token":"at","token_type":"Bearer","expires_in":1e400}'),
  ],
  ['expires_in above ten years', 'config', 200, () => json(tokenBody({ expires_in: 10 * 366 * 24 * 3600 }))],
  ['expires_in as an object', 'config', 200, () => json(tokenBody({ expires_in: { seconds: 60 } }))],
  ['token_type mac', 'config', 200, () => json(tokenBody({ token_type: 'mac' }))],
  ['token_type DPoP', 'config', 200, () => json(tokenBody({ token_type: 'DPoP' }))],
  ['no token_type', 'config', 200, () => json(tokenBody({ token_type: undefined }))],
  ['an empty refresh_token', 'config', 200, () => json(tokenBody({ refresh_token: '' }))],
  ['an error body without error, 400', 'config', 400, () => json({ error_description: 'bad' }, 400)],
  ['an error body without error, 401', 'config', 401, () => json({}, 401)],
  ['an error body without error, 500', 'transient', 500, () => json({}, 500)],
  ['error that is not a string', 'config', 400, () => json({ error: { code: 'invalid_grant' } }, 400)],
  [
    '429 with a huge Retry-After',
    'transient',
    429,
    () => new Response('', { status: 429, headers: { 'retry-after': '9'.repeat(400) } }),
  ],
  [
    'a connection refused before any response',
    'transient',
    undefined,
    () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })),
  ],
  [
    'a connection reset mid-body',
    'transient',
    200,
    () =>
      new Response(
        countingBody({ total: 4096, prefix: '{"access_token":"', failAfter: 1024, chunkSize: 512 }).stream,
      ),
  ],
];

describe('oauth2Refresh: each broken answer gets a typed error of the right kind', () => {
  it.each(cases)('%s -> %s (HTTP %s)', async (_name, kind, status, answer) => {
    const error = await failure(answer);
    expect(error).toMatchObject({ name: 'TokenEndpointError', kind, status });
  });

  it('accepts expires_in as a numeric string, and null as an unknown expiry', async () => {
    await expect(
      refreshWith(() => json(tokenBody({ expires_in: '1800' })))(context()),
    ).resolves.toMatchObject({ expiresIn: 1800 });
    const result = await refreshWith(() => json(tokenBody({ expires_in: null })))(context());
    expect('expiresIn' in result).toBe(false);
  });

  it('judges the body, not the Content-Type: a valid token answer labelled text/html is accepted', async () => {
    // RFC 6749 section 5.1 says application/json; servers that mislabel it exist and the JSON is unambiguous.
    await expect(
      refreshWith(() => raw(JSON.stringify(tokenBody()), 200, 'text/html'))(context()),
    ).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });

  it('refuses an expires_in too small to be a lifetime, like 0', async () => {
    // 1e-300 s gives expiresAt === issuedAt: the token would be expired on arrival and every request would
    // refresh and still go out with an expired token.
    for (const seconds of [1e-300, 1e-4]) {
      const error = await failure(() => json(tokenBody({ expires_in: seconds })));
      expect(error).toMatchObject({ kind: 'config', status: 200 });
    }
  });
});

describe('oauth2Refresh: bodies are read no further than maxResponseBytes', () => {
  const TEN_MB = 10 * 1024 * 1024;
  const LIMIT = 1024 * 1024;
  const CHUNK = 64 * 1024;

  it.each([
    [200, 'config'],
    [400, 'config'],
    [503, 'transient'],
  ] as const)('a 10 MB streamed body with %i is cut at the limit (%s)', async (status, kind) => {
    const body = countingBody({
      total: TEN_MB,
      chunkSize: CHUNK,
      prefix: '{"access_token":"at","padding":"',
    });
    const error = await failure(() => new Response(body.stream, { status }));
    expect(error).toMatchObject({ kind, status });
    expect(body.cancelled()).toBe(true);
    expect(body.produced()).toBeLessThanOrEqual(LIMIT + CHUNK);
  });

  it('a 10 MB body announced by Content-Length is refused before it is read', async () => {
    const body = countingBody({ total: TEN_MB, chunkSize: CHUNK });
    const headers = { 'content-length': String(TEN_MB), 'content-type': 'application/json' };
    const error = await failure(() => new Response(body.stream, { status: 200, headers }));
    expect(error).toMatchObject({ kind: 'config', status: 200 });
    expect(body.cancelled()).toBe(true);
    expect(body.produced()).toBeLessThanOrEqual(CHUNK);
  });

  it('honours a smaller maxResponseBytes', async () => {
    const body = countingBody({ total: 100_000, chunkSize: 1000, prefix: '{' });
    await failure(() => new Response(body.stream, { status: 200 }), { maxResponseBytes: 4096 });
    expect(body.produced()).toBeLessThanOrEqual(4096 + 1000);
  });
});

describe('oauth2Refresh: slow and silent servers time out as transient errors', () => {
  it('a body that trickles past the timeout is abandoned and its stream cancelled', async () => {
    const body = drip(JSON.stringify(tokenBody()), 5);
    const started = Date.now();
    const error = await failure(() => new Response(body.stream, { status: 200 }), { timeoutMs: 60 });
    expect(error).toMatchObject({ kind: 'transient', status: 200 });
    expect(error.message).toContain('60 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(body.cancelled()).toBe(true);
  });

  it('a body that trickles but completes within the timeout is accepted', async () => {
    const body = drip(JSON.stringify(tokenBody()), 1, 16);
    await expect(
      refreshWith(() => new Response(body.stream, { status: 200 }), { timeoutMs: 5_000 })(context()),
    ).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });

  it('a server that never answers', async () => {
    const error = await failure(() => never(), { timeoutMs: 30 });
    expect(error).toMatchObject({ kind: 'transient', status: undefined });
  });
});

describe('through a manager: a configuration or malformed-response error never costs the user their tokens', () => {
  const broken: Array<[string, Answer]> = [
    ['an HTML page', () => raw(HTML, 200, 'text/html')],
    ['no access_token', () => json({ token_type: 'Bearer' })],
    ['a bad expires_in', () => json(tokenBody({ expires_in: -5 }))],
    ['an unknown token_type', () => json(tokenBody({ token_type: 'mac' }))],
    ['invalid_client', () => json({ error: 'invalid_client' }, 401)],
    ['a 400 without error', () => json({}, 400)],
    [
      'a body over the limit',
      () => new Response(countingBody({ total: 2 * 1024 * 1024, prefix: '{' }).stream),
    ],
  ];

  it.each(broken)(
    '%s: the still-valid token keeps being used, and the store keeps every token',
    async (_name, answer) => {
      const clock = createFakeClock();
      // Inside the skew window: a refresh is attempted, but the token is still valid for 30 s.
      const tokens = {
        accessToken: 'A1',
        refreshToken: 'R1',
        issuedAt: clock.now() - 3_570_000,
        expiresAt: clock.now() + 30_000,
      };
      const store = memoryStore(tokens);
      const manager = createTokenManager({ tokens, store, clock, refresh: refreshWith(answer) });
      await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
      await clock.advance(0);
      await expect(store.get()).resolves.toMatchObject({ accessToken: 'A1', refreshToken: 'R1' });
      await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
      expect(manager.state).not.toBe('reauth-required');
    },
  );

  it.each(broken)(
    '%s: with an expired token the request fails as config, fails fast during the cooldown, then refreshes',
    async (_name, answer) => {
      const clock = createFakeClock();
      const tokens = {
        accessToken: 'A1',
        refreshToken: 'R1',
        issuedAt: clock.now() - 3_600_000,
        expiresAt: clock.now() - 1,
      };
      const store = memoryStore(tokens);
      let fixed = false;
      const manager = createTokenManager({
        tokens,
        store,
        clock,
        refresh: refreshWith(() => (fixed ? json(tokenBody({ access_token: 'A2' })) : answer())),
      });
      const error = await manager.getAccessToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefreshFailedError);
      expect(error).toMatchObject({ kind: 'config' });
      await expect(store.get()).resolves.toMatchObject({ accessToken: 'A1', refreshToken: 'R1' });
      fixed = true;
      // No second call with bad credentials during the cooldown (retry.maxDelayMs): the same error, at once.
      await expect(manager.getAccessToken()).rejects.toBe(error);
      await clock.advance(30_000);
      await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    },
  );
});
