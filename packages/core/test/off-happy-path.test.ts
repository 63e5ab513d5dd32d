/**
 * Issue "every guarantee holds off the happy path", items 4 to 8 (manager side): no refresh storms whatever a
 * refresh returns, a bounded cost when the API rejects every fresh token, no idle refreshing, a quick recovery
 * after one bad answer, and validation at the boundary.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  isTokenRelayError,
  RefreshFailedError,
  TokenEndpointError,
  TokenRejectedError,
  WaitTimeoutError,
} from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { oauth2Refresh } from '../src/oauth2.ts';
import { createFakeClock, type FakeClock } from '../src/testing.ts';
import type { RefreshFunction, RefreshResult, TimerHandle, TokenManagerOptions } from '../src/types.ts';
import { expiredTokens } from './support/expired-tokens.ts';

const HOUR = 3_600_000;

/** A refresh function that always answers `result` (with a new access token each time). */
const answering = (result: (n: number, now: number) => Partial<RefreshResult>, clock: FakeClock) => {
  let n = 0;
  return vi.fn<RefreshFunction>(async () => {
    n += 1;
    return { accessToken: `A${n}`, refreshToken: `R${n}`, ...result(n, clock.now()) };
  });
};

describe('no refresh storms (item 4)', () => {
  const answers: Array<[string, (n: number, now: number) => Partial<RefreshResult>]> = [
    ['expiresAt in seconds (a JWT exp)', (_n, now) => ({ expiresAt: Math.floor(now / 1000) + 3600 })],
    ['expiresAt NaN', () => ({ expiresAt: Number.NaN })],
    ['expiresAt in the past', (_n, now) => ({ expiresAt: now - 5 })],
    ['expiresIn 0', () => ({ expiresIn: 0 })],
    ['expiresIn 0.001', () => ({ expiresIn: 0.001 })],
  ];

  it.each(answers)('%s: idle, at most one token call per second (was hundreds)', async (_name, answer) => {
    const clock = createFakeClock();
    const refresh = answering(answer, clock);
    const manager = createTokenManager({ tokens: expiredTokens(clock), refresh, clock, random: () => 0.5 });
    // One request starts it; then nobody asks for 10 s.
    await manager.getAccessToken().catch(() => undefined);
    await clock.advance(10_000);
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(10);
    manager.dispose();
  });

  it.each(answers.slice(0, 3))(
    '%s: a typed error that names the field, with no token in it',
    async (_name, answer) => {
      const clock = createFakeClock();
      const manager = createTokenManager({
        tokens: expiredTokens(clock),
        refresh: answering(answer, clock),
        clock,
      });
      const error = await manager.getAccessToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefreshFailedError);
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(TokenEndpointError);
      expect((cause as TokenEndpointError).kind).toBe('config');
      expect((cause as Error).message).toContain('expiresAt');
      expect(JSON.stringify(error)).not.toContain('A1');
    },
  );

  it('expires_in 0.001 with a request every 10 ms for 5 s: at most one token call per second', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 0.001 }), clock);
    const manager = createTokenManager({ tokens: expiredTokens(clock), refresh, clock });
    for (let i = 0; i < 500; i += 1) {
      await manager.getAccessToken();
      await clock.advance(10);
    }
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(6);
  });
});

describe('an API that rejects every fresh token (item 5)', () => {
  it('30 sequential requests: at most 5 token calls, and the app is told', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 3600 }), clock);
    const manager = createTokenManager({
      tokens: { accessToken: 'A0', refreshToken: 'R0', expiresAt: clock.now() + HOUR },
      refresh,
      clock,
    });
    const told: Error[] = [];
    manager.on('token-rejected', ({ error }) => told.push(error));
    const outcomes: string[] = [];
    // Each request: get a token, the API answers 401, refresh, replay once (401 again, returned as it is).
    for (let i = 0; i < 30; i += 1) {
      try {
        const token = await manager.getAccessToken();
        await manager.refresh({ failedToken: token.token });
        outcomes.push('401');
      } catch (error) {
        outcomes.push(isTokenRelayError(error) ? error.name : 'other');
      }
      await clock.advance(50);
    }
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(5);
    expect(told.length).toBeGreaterThan(0);
    expect(told[0]).toBeInstanceOf(TokenRejectedError);
    expect(outcomes).toContain('TokenRejectedError');
  });

  it('backs off exponentially while it goes on, and a token that works ends it', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 3600 }), clock);
    const manager = createTokenManager({
      tokens: { accessToken: 'A0', refreshToken: 'R0', expiresAt: clock.now() + HOUR },
      refresh,
      clock,
      random: () => 1,
    });
    const delays: number[] = [];
    manager.on('token-rejected', ({ error }) => delays.push((error as TokenRejectedError).retryAfterMs));
    for (let i = 0; i < 200; i += 1) {
      try {
        const token = await manager.getAccessToken();
        await manager.refresh({ failedToken: token.token });
      } catch {
        // told through the event
      }
      await clock.advance(100);
    }
    expect(delays.slice(0, 4)).toEqual([2000, 4000, 8000, 16_000]);
  });
});

describe('idle-aware proactive refresh (item 6)', () => {
  it('a manager nobody uses makes no token calls, however long', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 2 }), clock);
    createTokenManager({
      tokens: { accessToken: 'A0', refreshToken: 'R0', issuedAt: clock.now(), expiresAt: clock.now() + 2000 },
      refresh,
      clock,
    });
    await clock.advance(HOUR);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('4 rounds 2.2 s apart with 2 s tokens: exactly 4 token calls (was 10), one per round', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 2 }), clock);
    const manager = createTokenManager({
      tokens: { accessToken: 'A0', refreshToken: 'R0', issuedAt: clock.now(), expiresAt: clock.now() + 1500 },
      refresh,
      clock,
    });
    for (let round = 0; round < 4; round += 1) {
      await clock.advance(2_200);
      const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken()));
      expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    }
    await clock.advance(10_000);
    expect(refresh).toHaveBeenCalledTimes(4);
  });

  it('a token in use is refreshed ahead once; requests returning to an expired token cause exactly one refresh', async () => {
    const clock = createFakeClock();
    const refresh = answering(() => ({ expiresIn: 60 }), clock);
    const manager = createTokenManager({ tokens: expiredTokens(clock), refresh, clock });
    await manager.getAccessToken(); // refresh 1 (waited for)
    await manager.getAccessToken(); // part of the same burst: not yet "in use"
    await clock.advance(5_000);
    await manager.getAccessToken(); // uses A1: the proactive timer is armed
    await clock.advance(HOUR);
    expect(refresh).toHaveBeenCalledTimes(2); // one refresh ahead, then idle
    await Promise.all(Array.from({ length: 50 }, () => manager.getAccessToken()));
    expect(refresh).toHaveBeenCalledTimes(3);
  });
});

describe('configuration errors back off (item 7)', () => {
  it('after one malformed answer, a request a second later tries again and succeeds with the same refresh token', async () => {
    const clock = createFakeClock();
    const presented: Array<string | undefined> = [];
    let n = 0;
    const refresh = vi.fn<RefreshFunction>(async ({ refreshToken }) => {
      presented.push(refreshToken);
      n += 1;
      if (n === 1) throw new TokenEndpointError('malformed response', { kind: 'config', status: 200 });
      return { accessToken: 'A1', refreshToken: 'R1', expiresIn: 3600 };
    });
    const manager = createTokenManager({ tokens: expiredTokens(clock), refresh, clock, random: () => 1 });
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(RefreshFailedError);
    await clock.advance(1_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    expect(presented).toEqual(['R0', 'R0']);
  });

  it('a wrong secret costs about one token call per maxDelayMs', async () => {
    const clock = createFakeClock();
    const refresh = vi.fn<RefreshFunction>(async () => {
      throw new TokenEndpointError('invalid_client', {
        kind: 'config',
        status: 401,
        oauthError: 'invalid_client',
      });
    });
    const manager = createTokenManager({ tokens: expiredTokens(clock), refresh, clock, random: () => 1 });
    for (let i = 0; i < 600; i += 1) {
      await manager.getAccessToken().catch(() => undefined);
      await clock.advance(1_000);
    }
    // 10 minutes: the backoff reaches 30 s after 8 failures; about 20 calls at 30 s each, plus those 8.
    expect(refresh.mock.calls.length).toBeGreaterThan(8);
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(30);
  });
});

describe('validation at the boundary (item 8)', () => {
  const refresh: RefreshFunction = async () => ({ accessToken: 'A' });
  const bad: Array<[string, unknown, string]> = [
    ['no options', undefined, 'options'],
    ['no refresh', {}, 'refresh'],
    ['tokens: null', { refresh, tokens: null }, 'tokens'],
    ['skewMs NaN', { refresh, skewMs: Number.NaN }, 'skewMs'],
    ['skewMs negative', { refresh, skewMs: -1 }, 'skewMs'],
    ['maxWaiters 0', { refresh, queue: { maxWaiters: 0 } }, 'queue.maxWaiters'],
    ['maxWaiters 1.5', { refresh, queue: { maxWaiters: 1.5 } }, 'queue.maxWaiters'],
    ['waitTimeoutMs 0', { refresh, queue: { waitTimeoutMs: 0 } }, 'queue.waitTimeoutMs'],
    ['waitTimeoutMs NaN', { refresh, queue: { waitTimeoutMs: Number.NaN } }, 'queue.waitTimeoutMs'],
    ['attempts 0', { refresh, retry: { attempts: 0 } }, 'retry.attempts'],
    ['maxDelayMs < baseDelayMs', { refresh, retry: { baseDelayMs: 10, maxDelayMs: 5 } }, 'retry.maxDelayMs'],
    [
      'baseDelayMs Infinity',
      { refresh, retry: { baseDelayMs: Number.POSITIVE_INFINITY } },
      'retry.baseDelayMs',
    ],
    ['storeTimeoutMs 0', { refresh, storeTimeoutMs: 0 }, 'storeTimeoutMs'],
    ['store without get', { refresh, store: { set() {}, clear() {} } }, 'store'],
    ['clock without setTimeout', { refresh, clock: { now: () => 0 } }, 'clock'],
    ['an empty access token', { refresh, tokens: { accessToken: '' } }, 'accessToken'],
    ['an access token with CR LF', { refresh, tokens: { accessToken: 'a\r\nb' } }, 'accessToken'],
    ['an access token with NUL', { refresh, tokens: { accessToken: 'a\u0000b' } }, 'accessToken'],
    [
      'a token type with a space',
      { refresh, tokens: { accessToken: 'a', tokenType: 'Bear er' } },
      'tokenType',
    ],
    ['expiresAt a string', { refresh, tokens: { accessToken: 'a', expiresAt: '1' } }, 'expiresAt'],
  ];

  it.each(bad)('%s: ConfigurationError naming %s', (_name, options, option) => {
    let thrown: unknown;
    try {
      createTokenManager(options as TokenManagerOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toContain(option);
    expect((thrown as Error).message).not.toMatch(/a\r\nb|Bear er/);
  });

  it('setTokens refuses tokens that are not header-safe, without quoting them', async () => {
    const manager = createTokenManager({ refresh, clock: createFakeClock() });
    for (const accessToken of ['', 'sec ret', 'secret\r\nX-Evil: 1', 'secret\u0000']) {
      const error = await manager.setTokens({ accessToken }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(JSON.stringify(error)).not.toContain('secret');
    }
  });

  it('a refresh result with CR/LF in the token is a typed configuration error, the old tokens are kept', async () => {
    const clock = createFakeClock();
    const manager = createTokenManager({
      tokens: expiredTokens(clock),
      refresh: async () => ({ accessToken: 'tok3n-s3cret\r\nInjected: yes', expiresIn: 3600 }),
      clock,
    });
    const error = await manager.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(((error as Error).cause as TokenEndpointError).kind).toBe('config');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('waitTimeoutMs: Infinity means no timeout; 2^31 ms and more wait that long, not 1 ms', async () => {
    const clock = nodeLikeClock();
    const never: RefreshFunction = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    for (const waitTimeoutMs of [Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 33]) {
      const manager = createTokenManager({
        tokens: expiredTokens(clock),
        refresh: never,
        clock,
        queue: { waitTimeoutMs },
      });
      let settled: unknown = 'pending';
      manager.getAccessToken().then(
        () => (settled = 'resolved'),
        (error: unknown) => (settled = error),
      );
      await clock.advance(2 ** 31 - 10);
      expect(settled).toBe('pending');
      if (Number.isFinite(waitTimeoutMs)) {
        await clock.advance(waitTimeoutMs - 2 ** 31 + 10);
        expect(settled).toBeInstanceOf(WaitTimeoutError);
      }
      manager.dispose();
    }
  });

  it('50,000 waiters share one timer, and an aborted one leaves no listener behind', async () => {
    const clock = createFakeClock();
    const never: RefreshFunction = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const manager = createTokenManager({
      tokens: expiredTokens(clock),
      refresh: never,
      clock,
      queue: { maxWaiters: 100_000 },
    });
    const before = clock.pending;
    const waiting = Array.from({ length: 50_000 }, () => manager.getAccessToken().catch(() => undefined));
    expect(manager.waiting).toBe(50_000);
    expect(clock.pending - before).toBeLessThanOrEqual(1);
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      added += 1;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
      removed += 1;
      remove(...args);
    };
    const one = manager.getAccessToken({ signal }).catch(() => undefined);
    await clock.advance(30_000);
    await Promise.all([...waiting, one]);
    expect(manager.waiting).toBe(0);
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });
});

describe("oauth2Refresh's timeout (item 9)", () => {
  it('runs on the injected clock', async () => {
    const clock = createFakeClock();
    const refresh = oauth2Refresh({
      tokenEndpoint: 'http://127.0.0.1:9/token',
      clientId: 'client',
      timeoutMs: 5_000,
      clock,
      fetch: ((_url: string, init?: RequestInit) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        )) as typeof fetch,
    });
    let settled: unknown = 'pending';
    refresh({
      tokens: undefined,
      refreshToken: 'R',
      signal: new AbortController().signal,
      now: () => clock.now(),
    }).catch((error: unknown) => (settled = error));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe('pending');
    await clock.advance(5_000);
    expect(settled).toBeInstanceOf(TokenEndpointError);
    expect((settled as TokenEndpointError).kind).toBe('transient');
  });
});

/** Node's rule on top of the fake clock: a delay above 2^31 - 1 (or below 1) fires after 1 ms. */
function nodeLikeClock(): FakeClock {
  const fake = createFakeClock();
  return Object.assign(Object.create(fake) as FakeClock, {
    setTimeout(callback: () => void, ms: number): TimerHandle {
      return fake.setTimeout(callback, ms > 2_147_483_647 || ms < 1 ? 1 : ms);
    },
  });
}
