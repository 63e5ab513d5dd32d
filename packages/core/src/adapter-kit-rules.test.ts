/** The kit's rules as tables: headers on a hop, header-safe values, the body predicate, the resolver. */
import { describe, expect, it } from 'vitest';
import {
  assertHeaderSafe,
  authorizationValue,
  createOriginPolicy,
  deleteHeaders,
  headersToDrop,
  isConsumedByFirstSend,
  isRequest,
  managerFor,
  SentToken,
} from './adapter-kit.ts';
import { ConfigurationError, isTokenRelayError } from './errors.ts';
import { createTokenManager } from './manager.ts';

const API = 'https://api.test';
const allowed = createOriginPolicy([API, 'https://cdn.test']);

describe('headersToDrop: one rule for every hop', () => {
  const all = ['authorization', 'proxy-authorization', 'cookie'];
  it.each([
    // from, to, header name, dropped
    [`${API}/a`, `${API}/b`, 'Authorization', []],
    [`${API}/a`, 'https://other.test/b', 'Authorization', all],
    [`${API}/a`, 'https://other.test/b', 'X-Api-Token', [...all, 'x-api-token']],
    [`${API}/a`, 'https://cdn.test/b', 'Authorization', all], // allowed, but another origin: re-set by the adapter
    [`${API}/a`, 'http://api.test/b', 'Authorization', all], // scheme change is another origin
    [`${API}/a`, 'https://api.test:8443/b', 'Cookie', all],
    ['https://other.test/a', 'https://other.test/b', 'X-Api-Token', ['x-api-token']], // same origin, not allowed
    [undefined, `${API}/b`, 'Authorization', all], // unknown previous hop: treated as another origin
    [`${API}/a`, 'not a url', 'Authorization', all],
  ] as const)('%s -> %s (%s): drop %j', (from, to, name, dropped) => {
    expect(headersToDrop(from, to, allowed, name)).toEqual(dropped);
  });

  it('deleteHeaders removes names whatever their case in a plain record', () => {
    const headers: Record<string, string> = { Cookie: 'c', AUTHORIZATION: 'a', Accept: 'x' };
    deleteHeaders(headers, ['cookie', 'authorization']);
    expect(headers).toEqual({ Accept: 'x' });
  });
});

describe('header-safe token values', () => {
  it.each([
    ['abc.DEF-123_~+/=', true],
    ["it's a token", true],
    ['zq9\r\nX-Injected: 1', false],
    ['zq9\nX', false],
    ['zq9\u0000tail', false],
    ['zq9\u007f', false],
    ['zq9\u2028', false],
    ['zq9 ', false],
  ])('%j -> %s, and the error never holds the value', (token, ok) => {
    if (ok) {
      expect(authorizationValue({ token, type: 'Bearer' })).toBe(`Bearer ${token}`);
      return;
    }
    let thrown: unknown;
    try {
      authorizationValue({ token, type: 'Bearer' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(isTokenRelayError(thrown, 'CONFIGURATION')).toBe(true);
    expect(String(thrown)).not.toContain('zq9');
  });

  it('assertHeaderSafe names what it checked', () => {
    expect(() => assertHeaderSafe('a\rb', 'The session')).toThrow(/^The session holds characters/);
  });
});

describe('isConsumedByFirstSend', () => {
  async function* generator(): AsyncGenerator<string> {
    yield 'x';
  }
  it.each([
    ['a string', 'text', false],
    ['bytes', new Uint8Array([1]), false],
    ['URLSearchParams', new URLSearchParams('a=1'), false],
    ['FormData', new FormData(), false],
    ['a Blob', new Blob(['x']), false],
    ['null', null, false],
    ['a ReadableStream', new ReadableStream(), true],
    ['a node-style stream', { pipe: () => undefined }, true],
    ['an async generator', generator(), true],
    ['an iterator', [1, 2][Symbol.iterator](), true],
  ])('%s -> %s', (_what, body, consumed) => {
    expect(isConsumedByFirstSend(body)).toBe(consumed);
  });

  it('isRequest: a Request, and not a look-alike', () => {
    expect(isRequest(new Request('https://api.test'))).toBe(true);
    expect(isRequest({ url: 'https://api.test', headers: new Headers() })).toBe(false);
  });
});

describe('the replay-once mark', () => {
  it('holds the token where printing cannot reach it; only the first pass may replay', () => {
    const first = new SentToken('tok-secret-1', false);
    const replay = new SentToken('tok-secret-2', true);
    expect([first.mayReplay, replay.mayReplay]).toEqual([true, false]);
    expect(first.token).toBe('tok-secret-1');
    expect(JSON.stringify({ first })).not.toContain('secret');
    expect(`${JSON.stringify(replay)}`).toBe('{"replayed":true}');
  });
});

describe('managerFor', () => {
  const make = () =>
    createTokenManager({ tokens: { accessToken: 'a' }, refresh: async () => ({ accessToken: 'b' }) });
  it('one manager for every request, or the one a resolver picks per request', () => {
    const alice = make();
    const bob = make();
    expect(managerFor(alice, { user: 'bob' })).toBe(alice);
    const pick = (request: { user: string }) => (request.user === 'bob' ? bob : alice);
    expect(managerFor(pick, { user: 'bob' })).toBe(bob);
    expect(managerFor(pick, { user: 'alice' })).toBe(alice);
    alice.dispose();
    bob.dispose();
  });

  it('a resolver that returns no manager is a ConfigurationError', () => {
    const resolver = (() => undefined) as unknown as (request: object) => ReturnType<typeof make>;
    expect(() => managerFor(resolver, {})).toThrow(ConfigurationError);
  });
});
