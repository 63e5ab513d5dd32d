import { describe, expect, it, vi } from 'vitest';
import {
  DisposedError,
  isTokenRelayError,
  QueueFullError,
  ReauthRequiredError,
  RefreshFailedError,
  TokenEndpointError,
  WaitTimeoutError,
} from './errors.ts';
import { createTokenManager } from './manager.ts';
import { memoryStore } from './memory-store.ts';
import { createFakeClock, type FakeClock } from './testing.ts';
import type { RefreshFunction, RefreshResult, TokenManagerOptions, TokenSet } from './types.ts';

/** A refresh function backed by a tiny rotating server model: a refresh token works once. */
function rotatingServer(clock: FakeClock, ttlSeconds = 3600) {
  let n = 1;
  const valid = new Set(['R1']);
  const presented: string[] = [];
  const refresh = vi.fn<RefreshFunction>(async ({ refreshToken }) => {
    presented.push(refreshToken ?? '');
    await clock.advance(0);
    if (refreshToken === undefined || !valid.delete(refreshToken)) {
      throw new TokenEndpointError('rejected', {
        kind: 'terminal',
        status: 400,
        oauthError: 'invalid_grant',
      });
    }
    n += 1;
    valid.add(`R${n}`);
    return { accessToken: `A${n}`, refreshToken: `R${n}`, expiresIn: ttlSeconds } satisfies RefreshResult;
  });
  return { refresh, presented };
}

const setup = (tokens: Partial<TokenSet> | undefined, extra: Partial<TokenManagerOptions> = {}) => {
  const clock = createFakeClock();
  const server = rotatingServer(clock);
  const manager = createTokenManager({
    tokens:
      tokens === undefined
        ? undefined
        : { accessToken: 'A1', refreshToken: 'R1', issuedAt: clock.now(), ...tokens },
    refresh: server.refresh,
    clock,
    random: () => 0.5,
    ...extra,
  });
  return { clock, server, manager };
};

describe('createTokenManager', () => {
  it('hands out a fresh token at once, without refreshing', async () => {
    const { manager, server } = setup({ expiresAt: createFakeClock().now() + 3_600_000 });
    await expect(manager.getAccessToken()).resolves.toEqual({ token: 'A1', type: 'Bearer' });
    expect(server.refresh).not.toHaveBeenCalled();
  });

  it('refreshes once for 200 concurrent requests with an expired token', async () => {
    const { manager, server, clock } = setup({ expiresAt: 0, issuedAt: 0 });
    clock.jump(0);
    const results = await Promise.all(Array.from({ length: 200 }, () => manager.getAccessToken()));
    expect(server.refresh).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((r) => r.token))).toEqual(new Set(['A2']));
  });

  it('a late 401 for an already replaced token does not refresh again', async () => {
    const { manager, server } = setup({ expiresAt: undefined });
    const first = await manager.refresh({ failedToken: 'A1' });
    const late = await Promise.all(Array.from({ length: 50 }, () => manager.refresh({ failedToken: 'A1' })));
    expect(first.token).toBe('A2');
    expect(late.every((t) => t.token === 'A2')).toBe(true);
    expect(server.refresh).toHaveBeenCalledTimes(1);
    expect(server.presented).toEqual(['R1']);
  });

  it('unknown expiry: uses the token until a 401 says otherwise', async () => {
    const { manager, server } = setup({ expiresAt: undefined });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    expect(server.refresh).not.toHaveBeenCalled();
    await expect(manager.refresh({ failedToken: 'A1' })).resolves.toMatchObject({ token: 'A2' });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
  });

  it('a revoked refresh token rejects every waiter with one ReauthRequiredError and fails fast afterwards', async () => {
    const { manager, server, clock } = setup({ expiresAt: 0, issuedAt: 0, refreshToken: 'revoked' });
    clock.jump(0);
    const reauth = vi.fn();
    manager.on('reauth-required', reauth);
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => manager.getAccessToken()));
    expect(server.refresh).toHaveBeenCalledTimes(1);
    const errors = settled.map((s) => (s.status === 'rejected' ? s.reason : undefined));
    expect(errors.every((e) => e instanceof ReauthRequiredError)).toBe(true);
    expect(new Set(errors).size).toBe(1);
    expect(isTokenRelayError(errors[0]?.cause, 'TOKEN_ENDPOINT')).toBe(true);
    expect(reauth).toHaveBeenCalledTimes(1);
    expect(manager.state).toBe('reauth-required');
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
    expect(server.refresh).toHaveBeenCalledTimes(1);
  });

  it('clears the store on a terminal failure, and new tokens end reauth-required', async () => {
    const store = memoryStore({ accessToken: 'A1', refreshToken: 'gone', expiresAt: 0, issuedAt: 0 });
    const { manager } = setup(undefined, { store });
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
    await expect(store.get()).resolves.toBeUndefined();
    await manager.setTokens({ accessToken: 'A9', refreshToken: 'R1' });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A9' });
  });

  it('retries transient failures with backoff, honouring Retry-After, and every request succeeds', async () => {
    const clock = createFakeClock();
    let calls = 0;
    const refresh = vi.fn<RefreshFunction>(async () => {
      calls += 1;
      if (calls <= 2)
        throw new TokenEndpointError('busy', { kind: 'transient', status: 503, retryAfterMs: 1000 });
      return { accessToken: 'A2', expiresIn: 60 };
    });
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', expiresAt: 0, issuedAt: 0 },
      refresh,
      clock,
    });
    clock.jump(0);
    const pending = Promise.all(Array.from({ length: 10 }, () => manager.getAccessToken()));
    await clock.advance(999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(1000);
    await expect(pending).resolves.toHaveLength(10);
    expect(calls).toBe(3);
  });

  it('after the last attempt waiters get RefreshFailedError and the tokens are kept', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const refresh: RefreshFunction = async () => {
      throw new Error('ECONNRESET');
    };
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', refreshToken: 'R1', expiresAt: 0, issuedAt: 0 },
      refresh,
      clock,
      store,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    const pending = manager.getAccessToken().catch((e: unknown) => e);
    await clock.advance(100);
    const error = await pending;
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect((error as RefreshFailedError).attempts).toBe(2);
    expect(manager.state).toBe('idle');
  });

  it('soft expiry: a transient failure while the token is still valid does not fail the request', async () => {
    const clock = createFakeClock();
    const refresh: RefreshFunction = async () => {
      throw new TokenEndpointError('down', { kind: 'transient', status: 503 });
    };
    const issuedAt = clock.now() - 3_600_000;
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', refreshToken: 'R1', issuedAt, expiresAt: clock.now() + 10_000 },
      refresh,
      clock,
    });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    await clock.advance(0);
    expect(manager.state).toBe('backoff');
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
  });

  it('a configuration error never clears the tokens', async () => {
    const store = memoryStore();
    const refresh: RefreshFunction = async () => {
      throw new TokenEndpointError('bad client', {
        kind: 'config',
        status: 401,
        oauthError: 'invalid_client',
      });
    };
    const tokens = { accessToken: 'A1', refreshToken: 'R1', expiresAt: 0, issuedAt: 0 };
    const manager = createTokenManager({ tokens, refresh, store });
    await manager.setTokens(tokens);
    const error = await manager.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect((error as RefreshFailedError).kind).toBe('config');
    await expect(store.get()).resolves.toMatchObject({ refreshToken: 'R1' });
  });

  it('persists new tokens before any waiter uses them', async () => {
    const order: string[] = [];
    const inner = memoryStore();
    const store = {
      ...inner,
      set: async (t: TokenSet) => {
        order.push(`set ${t.accessToken}`);
        await inner.set(t);
      },
    };
    const { manager, clock } = setup({ expiresAt: 0, issuedAt: 0 }, { store });
    clock.jump(0);
    await manager.getAccessToken().then((t) => order.push(`use ${t.token}`));
    expect(order).toEqual(['set A2', 'use A2']);
  });

  it('refreshes proactively on a timer before expiry, for tokens in use', async () => {
    const { manager, server, clock } = setup(undefined);
    await manager.setTokens({ accessToken: 'A1', refreshToken: 'R1', expiresAt: clock.now() + 120_000 });
    // A request uses the token: that arms the timer (an unused token is not refreshed ahead).
    await manager.getAccessToken();
    await clock.advance(59_999);
    expect(server.refresh).not.toHaveBeenCalled();
    await clock.advance(1);
    expect(server.refresh).toHaveBeenCalledTimes(1);
    await clock.advance(1);
    expect(manager.state).toBe('idle');
    // A request after the refresh (not a straggler of a burst it served) uses the new token.
    await clock.advance(5_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    // The next timer is armed for the new token.
    await clock.advance(3_600_000 - 60_000 - 5_000);
    expect(server.refresh).toHaveBeenCalledTimes(2);
  });

  it('a wait timeout gives WaitTimeoutError', async () => {
    const clock = createFakeClock();
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', expiresAt: 0, issuedAt: 0 },
      refresh: () => new Promise<never>(() => {}),
      clock,
      queue: { waitTimeoutMs: 500 },
    });
    const pending = manager.getAccessToken().catch((e: unknown) => e);
    await clock.advance(500);
    expect(await pending).toBeInstanceOf(WaitTimeoutError);
    expect(manager.waiting).toBe(0);
  });

  it('an aborted waiter leaves the queue at once with the abort reason', async () => {
    const { manager } = setup({ expiresAt: 0, issuedAt: 0 }, { refresh: () => new Promise<never>(() => {}) });
    const controller = new AbortController();
    const pending = manager.getAccessToken({ signal: controller.signal }).catch((e: unknown) => e);
    const other = manager.getAccessToken().catch((e: unknown) => e);
    await Promise.resolve();
    await Promise.resolve();
    expect(manager.waiting).toBe(2);
    controller.abort(new Error('user gave up'));
    expect(manager.waiting).toBe(1);
    expect(await pending).toMatchObject({ message: 'user gave up' });
    manager.dispose();
    expect(await other).toBeInstanceOf(DisposedError);
  });

  it('bounds the queue with QueueFullError', async () => {
    const { manager } = setup(
      { expiresAt: 0, issuedAt: 0 },
      { refresh: () => new Promise<never>(() => {}), queue: { maxWaiters: 3 } },
    );
    const waiting = Array.from({ length: 3 }, () => manager.getAccessToken().catch(() => undefined));
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(QueueFullError);
    manager.dispose();
    await Promise.all(waiting);
  });

  it('setTokens during a refresh wins over the refresh result, which is not persisted', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    let finish: (r: RefreshResult) => void = () => {};
    const refresh: RefreshFunction = () => new Promise<RefreshResult>((resolve) => (finish = resolve));
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', refreshToken: 'R1', expiresAt: 0, issuedAt: 0 },
      refresh,
      clock,
      store,
    });
    const waiter = manager.getAccessToken();
    await clock.advance(0);
    await manager.setTokens({ accessToken: 'USER', refreshToken: 'RU' });
    await expect(waiter).resolves.toMatchObject({ token: 'USER' });
    finish({ accessToken: 'LATE', refreshToken: 'RL' });
    await clock.advance(0);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'USER' });
    await expect(store.get()).resolves.toMatchObject({ accessToken: 'USER' });
  });

  it('clear() rejects waiters and empties the store', async () => {
    const store = memoryStore();
    const { manager } = setup(
      { expiresAt: 0, issuedAt: 0 },
      { store, refresh: () => new Promise<never>(() => {}) },
    );
    const waiter = manager.getAccessToken().catch((e: unknown) => e);
    await Promise.resolve();
    await manager.clear();
    expect(await waiter).toBeInstanceOf(ReauthRequiredError);
    await expect(store.get()).resolves.toBeUndefined();
  });

  it('reads the store on first use', async () => {
    const clock = createFakeClock();
    const store = memoryStore({ accessToken: 'STORED', expiresAt: clock.now() + 3_600_000 });
    const manager = createTokenManager({ refresh: vi.fn(), store, clock });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'STORED' });
  });
});

describe('expiry from expires_in', () => {
  it('trusts a token up to 1 s (a quarter at most) less than expires_in, as servers count whole seconds', async () => {
    const clock = createFakeClock();
    const manager = createTokenManager({
      tokens: { accessToken: 'A1', refreshToken: 'R1', expiresAt: 0, issuedAt: 0 },
      refresh: async () => ({ accessToken: 'A2', expiresIn: 2 }),
      clock,
      proactive: false,
    });
    const tokens = vi.fn();
    manager.on('tokens', tokens);
    await manager.getAccessToken();
    expect(tokens).toHaveBeenCalledWith(expect.objectContaining({ expiresAt: clock.now() + 1500 }));
  });
});
