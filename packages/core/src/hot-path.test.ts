/**
 * The hot path: `peekAccessToken()` and the kit's `tokenFor()` (a fresh token without a promise, and never anything else;
 * where `getAccessToken` would wait, refresh, read the store or fail: `undefined`, nothing started), the header value
 * per token, `wantsRefresh` and the origin policy's memory; and `getAccessToken`/`refresh`, plain functions that report
 * every error as a rejection.
 */
import { describe, expect, it, vi } from 'vitest';
import { adapterSettings, createOriginPolicy, freshToken, tokenFor } from './adapter-kit.ts';
import { ConfigurationError, DisposedError, ReauthRequiredError } from './errors.ts';
import { createTokenManager } from './manager.ts';
import { memoryStore } from './memory-store.ts';
import { createManagerPool } from './pool.ts';
import { createFakeClock } from './testing.ts';
import type { RefreshFunction } from './types.ts';

const TTL_MS = 600_000;
const SKEW_MS = 60_000;

/** Steady use: the machine counts the first few requests a token goes to (see HANDED_OUT_CAP), then repeats itself. */
const warm = async (manager: { getAccessToken(): Promise<unknown> }): Promise<void> => {
  for (let i = 0; i < 4; i += 1) await manager.getAccessToken();
};

const setup = () => {
  const clock = createFakeClock();
  const start = clock.now();
  const refresh = vi.fn<RefreshFunction>(async () => ({
    accessToken: 'A2',
    refreshToken: 'R2',
    expiresIn: TTL_MS / 1000,
  }));
  const manager = createTokenManager({
    tokens: { accessToken: 'A1', refreshToken: 'R1', issuedAt: start, expiresAt: start + TTL_MS },
    refresh,
    clock,
    skewMs: SKEW_MS,
    proactive: false,
  });
  return { clock, start, manager, refresh };
};

describe('peekAccessToken', () => {
  it('answers undefined until requests use the token steadily, then the same frozen token at once', async () => {
    const { manager, refresh } = setup();
    expect(manager.peekAccessToken()).toBeUndefined();
    const first = await manager.getAccessToken();
    await warm(manager);
    const peeked = manager.peekAccessToken();
    expect(peeked).toBe(await manager.getAccessToken());
    expect(peeked).toEqual(first);
    expect(Object.isFrozen(peeked)).toBe(true);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('answers undefined from the skew window on, and starts no refresh itself', async () => {
    const { clock, start, manager, refresh } = setup();
    await warm(manager);
    clock.jump(start + TTL_MS - SKEW_MS - clock.now());
    expect(manager.peekAccessToken()).toBeUndefined();
    expect(manager.peekAccessToken()).toBeUndefined();
    await clock.advance(0);
    expect(refresh).not.toHaveBeenCalled();
    expect(manager.state).toBe('idle');
    // getAccessToken is what starts it.
    expect((await manager.getAccessToken()).token).toBe('A1');
    await clock.advance(0);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('answers undefined while a refresh runs, after clear(), and after dispose()', async () => {
    const { manager } = setup();
    await warm(manager);
    const waiting = manager.refresh({ failedToken: 'A1' });
    expect(manager.peekAccessToken()).toBeUndefined();
    await waiting;
    await manager.clear();
    expect(manager.peekAccessToken()).toBeUndefined();
    await manager.setTokens({ accessToken: 'A9', refreshToken: 'R9', expiresAt: Date.now() + TTL_MS * 1000 });
    await warm(manager);
    expect(manager.peekAccessToken()?.token).toBe('A9');
    manager.dispose();
    expect(manager.peekAccessToken()).toBeUndefined();
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });

  it('answers undefined before the store was read', async () => {
    const store = memoryStore({ accessToken: 'S1', refreshToken: 'R1', expiresAt: Date.now() + TTL_MS });
    const manager = createTokenManager({ store, refresh: async () => ({ accessToken: 'x', expiresIn: 60 }) });
    expect(manager.peekAccessToken()).toBeUndefined();
    await warm(manager);
    expect(manager.peekAccessToken()?.token).toBe('S1');
    manager.dispose();
  });

  it('through a pool handle: the live manager, counted as use; a disposed pool has none', async () => {
    const clock = createFakeClock();
    const pool = createManagerPool({
      clock,
      max: 2,
      idleMs: 60_000,
      create: (key) => ({
        tokens: { accessToken: `T-${key}`, refreshToken: 'R', expiresIn: 600 },
        refresh: async () => ({ accessToken: 'x', expiresIn: 60 }),
      }),
    });
    const handle = pool.get('u1');
    await warm(handle);
    expect(handle.peekAccessToken()?.token).toBe('T-u1');
    pool.dispose();
    expect(handle.peekAccessToken()).toBeUndefined();
  });
});

describe('getAccessToken and refresh (no async wrapper)', () => {
  /** Calls `start`, which must not throw: every error of a request is a rejection of its promise. */
  const started = (start: () => Promise<unknown>): Promise<unknown> => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = start();
    }).not.toThrow();
    expect(promise).toBeInstanceOf(Promise);
    return promise as Promise<unknown>;
  };

  it('report every error as a rejection, never a throw: a bad timeoutMs, an aborted signal, a failure, dispose', async () => {
    const { manager } = setup();
    await expect(started(() => manager.getAccessToken({ timeoutMs: -1 }))).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(started(() => manager.refresh({ timeoutMs: Number.NaN }))).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await expect(started(() => manager.getAccessToken({ signal: abort.signal }))).rejects.toThrow('stop');
    await expect(started(() => manager.refresh({ signal: abort.signal }))).rejects.toThrow('stop');
    // A grant that is gone: the first request waits for the refresh that finds out; later ones fail at once.
    const revoked = createTokenManager({
      tokens: { accessToken: 'A1', refreshToken: 'R1', issuedAt: 0, expiresAt: 1 },
      refresh: async () => {
        throw new ReauthRequiredError();
      },
    });
    await expect(revoked.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
    await expect(started(() => revoked.getAccessToken())).rejects.toBeInstanceOf(ReauthRequiredError);
    revoked.dispose();
    manager.dispose();
    await expect(started(() => manager.getAccessToken())).rejects.toBeInstanceOf(DisposedError);
    await expect(started(() => manager.refresh())).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('tokenFor (adapter kit)', () => {
  it('gives the fresh token without a promise, else a native promise', async () => {
    const { manager } = setup();
    const pending = tokenFor(manager);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    await warm(manager);
    expect(tokenFor(manager)).toEqual({ token: 'A1', type: 'Bearer' });
  });

  it('an aborted signal always gets the rejecting promise, never the token', async () => {
    const { manager } = setup();
    await warm(manager);
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    const pending = tokenFor(manager, abort.signal);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow('stop');
  });

  it('works with a manager-like object without peekAccessToken, and one that returns a thenable', async () => {
    const token = { token: 'X', type: 'Bearer' };
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, as a JavaScript manager might return.
    const like = { getAccessToken: () => ({ then: (resolve: (t: typeof token) => void) => resolve(token) }) };
    const pending = tokenFor(like as never);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(token);
  });
});

describe('freshToken (adapter kit)', () => {
  it('is the fresh token at once, and undefined for an aborted signal, before steady use, or without the method', async () => {
    const { manager } = setup();
    expect(freshToken(manager)).toBeUndefined();
    await warm(manager);
    expect(freshToken(manager)).toEqual({ token: 'A1', type: 'Bearer' });
    expect(freshToken(manager, new AbortController().signal)).toEqual({ token: 'A1', type: 'Bearer' });
    expect(freshToken(manager, AbortSignal.abort())).toBeUndefined();
    expect(freshToken({ getAccessToken: manager.getAccessToken } as never)).toBeUndefined();
  });
});

describe('header value for a token', () => {
  it('is built once per frozen token, and afresh for a token object that can change', () => {
    const settings = adapterSettings({});
    const frozen = Object.freeze({ token: 'abc', type: 'Bearer' });
    expect(settings.headerValue(frozen)).toBe('Bearer abc');
    expect(settings.headerValue(frozen)).toBe('Bearer abc');
    const mutable = { token: 'one', type: 'Bearer' };
    expect(settings.headerValue(mutable)).toBe('Bearer one');
    mutable.token = 'two';
    expect(settings.headerValue(mutable)).toBe('Bearer two');
    mutable.token = 'bad\r\nInjected: yes';
    expect(() => settings.headerValue(mutable)).toThrow(/cannot carry/);
  });
});

describe("origins '*'", () => {
  it('takes any URL a client could send to, and refuses a string that does not parse', () => {
    const any = createOriginPolicy('*');
    expect(any('https://a.example/x')).toBe(true);
    expect(any(new URL('http://127.0.0.1:1/'))).toBe(true);
    expect(any('not a url')).toBe(false);
    expect(any('/relative')).toBe(false);
  });
});

describe('wantsRefresh', () => {
  it('with the default rule reads WWW-Authenticate only for a 401', () => {
    const settings = adapterSettings({});
    const header = vi.fn((source: { value: string | null }) => source.value);
    expect(settings.wantsRefresh(200, { value: null }, header)).toBe(false);
    expect(settings.wantsRefresh(403, { value: 'Bearer error="invalid_token"' }, header)).toBe(false);
    expect(header).not.toHaveBeenCalled();
    expect(settings.wantsRefresh(401, { value: 'Bearer error="invalid_token"' }, header)).toBe(true);
    expect(settings.wantsRefresh(401, { value: 'Bearer error="insufficient_scope"' }, header)).toBe(false);
    expect(header).toHaveBeenCalledTimes(2);
  });

  it('gives a custom rule every response with its header', () => {
    const seen: unknown[] = [];
    const settings = adapterSettings({
      shouldRefresh: (response) => {
        seen.push(response);
        return response.status === 403 && response.wwwAuthenticate === 'expired';
      },
    });
    expect(settings.wantsRefresh(200, 'none', () => null)).toBe(false);
    expect(settings.wantsRefresh(403, 'expired', (value) => value)).toBe(true);
    expect(seen).toEqual([
      { status: 200, wwwAuthenticate: null },
      { status: 403, wwwAuthenticate: 'expired' },
    ]);
  });
});

describe('origin policy answers', () => {
  it('after a URL on one origin, a look-alike that shares its text up to the authority is decided afresh', () => {
    const allowed = createOriginPolicy('https://api.example');
    expect(allowed('https://api.example/a')).toBe(true);
    for (const url of [
      'https://api.example.evil/a',
      'https://api.example:444/a',
      'https://api.example@evil.example/a',
      'https://api.exampl/a',
      'http://api.example/a',
    ]) {
      expect(allowed(url), url).toBe(false);
      expect(allowed('https://api.example/b?x=1')).toBe(true);
    }
  });

  it('stay right when the same URL string comes again, alternating with others', () => {
    const allowed = createOriginPolicy('https://api.example');
    const urls = [
      'https://api.example/a',
      'https://evil.example/a',
      'https://api.example.evil/a',
      'https://api.example:444/a',
    ];
    for (let round = 0; round < 3; round += 1) {
      for (const url of urls) {
        expect(allowed(url), url).toBe(url === 'https://api.example/a');
        expect(allowed(url), url).toBe(url === 'https://api.example/a');
      }
    }
  });
});
