/**
 * A request's own limit on its wait (`getAccessToken({ timeoutMs })`, `refresh({ timeoutMs })`): what an adapter
 * passes for the client's own timeout (ky's `timeout`, got's `timeout.request`, axios's `timeout`), so that waiting
 * requests cost one timer for the whole queue whatever their limits (issue 13: "O(1) timers for the whole queue,
 * not one per waiter").
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError, WaitTimeoutError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { createManagerPool } from '../src/pool.ts';
import { enforcesTimeoutMs, getAccessTokenWithin, refreshWithin } from '../src/request-limit.ts';
import { createFakeClock } from '../src/testing.ts';
import type {
  AccessToken,
  GetAccessTokenOptions,
  RefreshFunction,
  RefreshResult,
  TokenManager,
  TokenManagerOptions,
  TokenSet,
  TokenStore,
} from '../src/types.ts';
import { expiredTokens } from './support/expired-tokens.ts';

const HOUR = 3_600_000;

/** A refresh that answers only when told (`release()`), or rejects when the manager aborts it. */
function heldRefresh(): { refresh: RefreshFunction; release: () => void; calls: () => number } {
  let calls = 0;
  let release: (result: RefreshResult) => void = () => {};
  const refresh: RefreshFunction = ({ signal }) => {
    calls += 1;
    return new Promise<RefreshResult>((resolve, reject) => {
      release = resolve;
      signal.addEventListener('abort', () => reject(signal.reason));
    });
  };
  return {
    refresh,
    release: () => release({ accessToken: 'A1', refreshToken: 'R1', expiresIn: 3600 }),
    calls: () => calls,
  };
}

/** A manager on a fake clock whose tokens expired, its refresh held until `held.release()`. */
function heldManager(queue?: TokenManagerOptions['queue']) {
  const clock = createFakeClock();
  const held = heldRefresh();
  const manager = createTokenManager({ tokens: expiredTokens(clock), refresh: held.refresh, clock, queue });
  return { clock, held, manager };
}

type Outcome = { readonly token: string } | { readonly error: unknown };

/** Records how each request ended, without awaiting it. */
function track(promise: Promise<{ token: string }>): { readonly outcome: Outcome | undefined } {
  const record: { outcome: Outcome | undefined } = { outcome: undefined };
  promise.then(
    ({ token }) => (record.outcome = { token }),
    (error: unknown) => (record.outcome = { error }),
  );
  return record;
}

const timedOut = (outcome: Outcome | undefined): WaitTimeoutError | undefined =>
  outcome !== undefined && 'error' in outcome && outcome.error instanceof WaitTimeoutError
    ? outcome.error
    : undefined;

describe("a request's own timeoutMs", () => {
  it("ends that request's wait with a WaitTimeoutError (limit 'request'); the others wait on and get the token", async () => {
    const { clock, held, manager } = heldManager();
    const plain = track(manager.getAccessToken());
    const bounded = track(manager.getAccessToken({ timeoutMs: 2_000 }));
    const longer = track(manager.getAccessToken({ timeoutMs: 5_000 }));

    await clock.advance(1_999);
    expect(bounded.outcome).toBeUndefined();
    await clock.advance(1);
    const error = timedOut(bounded.outcome);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error?.limit).toBe('request');
    expect(error?.timeoutMs).toBe(2_000);
    expect(error?.toJSON()).toMatchObject({ code: 'WAIT_TIMEOUT', timeoutMs: 2_000, limit: 'request' });
    expect(manager.waiting).toBe(2);

    held.release();
    await clock.advance(0);
    expect(plain.outcome).toEqual({ token: 'A1' });
    expect(longer.outcome).toEqual({ token: 'A1' });
    expect(held.calls()).toBe(1);
    manager.dispose();
  });

  it('5,000 waiters with their own limits, arriving in any order, share one timer and each ends on time', async () => {
    const { clock, held, manager } = heldManager({ maxWaiters: 10_000 });
    const before = clock.pending;
    const start = clock.now();
    // Limits 1..1,000 ms in a scrambled order (7919 is prime to 1,000), five waiters per limit.
    const limits = Array.from({ length: 5_000 }, (_, i) => 1 + ((i * 7919) % 1_000));
    const waiters = limits.map((timeoutMs) => ({
      timeoutMs,
      record: track(manager.getAccessToken({ timeoutMs })),
    }));
    expect(manager.waiting).toBe(5_000);
    // The refresh's own timers (the token call's) are the manager's; the queue adds one for all 5,000.
    expect(clock.pending - before).toBeLessThanOrEqual(1);

    for (const at of [1, 250, 500, 999]) {
      await clock.advance(at - (clock.now() - start));
      const ended = waiters.filter((w) => w.record.outcome !== undefined);
      expect(ended.length).toBe(limits.filter((limit) => limit <= at).length);
      for (const { timeoutMs, record } of ended) {
        expect(timedOut(record.outcome)?.timeoutMs).toBe(timeoutMs);
      }
      expect(clock.pending - before).toBeLessThanOrEqual(1);
    }
    held.release();
    await clock.advance(0);
    const served = waiters.filter((w) => w.record.outcome !== undefined && 'token' in w.record.outcome);
    expect(served.length).toBe(5);
    expect(served.every((w) => w.timeoutMs === 1_000)).toBe(true);
    // An empty queue holds no timer.
    expect(manager.waiting).toBe(0);
    expect(clock.pending).toBe(before);
    manager.dispose();
  });

  it('aborted waiters neither delay the deadlines of the others nor keep a timer once nobody waits', async () => {
    const { clock, held, manager } = heldManager({ maxWaiters: 10_000 });
    const controller = new AbortController();
    // The earliest deadlines belong to requests that are aborted first.
    const aborted = Array.from({ length: 3_000 }, (_, i) =>
      track(manager.getAccessToken({ timeoutMs: 10 + (i % 100), signal: controller.signal })),
    );
    const kept = Array.from({ length: 200 }, (_, i) => track(manager.getAccessToken({ timeoutMs: 500 + i })));
    controller.abort(new Error('gone'));
    await clock.advance(0);
    expect(
      aborted.every((r) => r.outcome !== undefined && 'error' in r.outcome && !timedOut(r.outcome)),
    ).toBe(true);
    expect(manager.waiting).toBe(200);

    await clock.advance(499);
    expect(kept.filter((r) => r.outcome !== undefined)).toHaveLength(0);
    await clock.advance(100);
    expect(kept.filter((r) => timedOut(r.outcome)?.limit === 'request')).toHaveLength(100);
    await clock.advance(100);
    expect(manager.waiting).toBe(0);
    expect(kept.every((r) => timedOut(r.outcome) !== undefined)).toBe(true);
    // The refresh is still running: its own timers may remain, the queue's does not.
    const { pending } = clock;
    manager.dispose();
    expect(clock.pending).toBeLessThanOrEqual(pending);
    held.release();
  });

  it('lets go of aborted waiters while the others wait on (nothing of theirs is kept until their deadline)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { clock, held, manager } = heldManager({ maxWaiters: 10_000 });
    const staying = track(manager.getAccessToken({ timeoutMs: 20_000 }));
    // Each leaving request has a signal of its own, reachable from here only through a WeakRef.
    const signals = ((): WeakRef<AbortSignal>[] => {
      const refs: WeakRef<AbortSignal>[] = [];
      for (let i = 0; i < 3_000; i++) {
        const controller = new AbortController();
        manager.getAccessToken({ timeoutMs: 10_000 + i, signal: controller.signal }).catch(() => undefined);
        controller.abort();
        refs.push(new WeakRef(controller.signal));
      }
      return refs;
    })();
    await clock.advance(0);
    expect(manager.waiting).toBe(1);
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(signals.filter((ref) => ref.deref() !== undefined).length).toBeLessThan(100);
    expect(staying.outcome).toBeUndefined();
    held.release();
    await clock.advance(0);
    expect(staying.outcome).toEqual({ token: 'A1' });
    manager.dispose();
  });

  it("a limit longer than queue.waitTimeoutMs: the manager's limit ends the wait (limit 'manager')", async () => {
    const { clock, manager } = heldManager({ waitTimeoutMs: 1_000 });
    const waiting = track(manager.getAccessToken({ timeoutMs: 60_000 }));
    await clock.advance(1_000);
    expect(timedOut(waiting.outcome)?.limit).toBe('manager');
    expect(timedOut(waiting.outcome)?.timeoutMs).toBe(1_000);
    manager.dispose();
  });

  it('refresh({ failedToken, timeoutMs }) is bounded the same way', async () => {
    const clock = createFakeClock();
    const held = heldRefresh();
    const manager = createTokenManager({
      tokens: { accessToken: 'A0', refreshToken: 'R0', issuedAt: clock.now(), expiresAt: clock.now() + HOUR },
      refresh: held.refresh,
      clock,
    });
    const replay = track(manager.refresh({ failedToken: 'A0', timeoutMs: 300 }));
    await clock.advance(300);
    expect(timedOut(replay.outcome)?.limit).toBe('request');
    expect(held.calls()).toBe(1);
    manager.dispose();
  });

  it("the first read of the store counts against the request's limit", async () => {
    const clock = createFakeClock();
    const held = heldRefresh();
    let answerRead: (tokens: TokenSet) => void = () => {};
    const store: TokenStore = {
      get: () => new Promise<TokenSet>((resolve) => (answerRead = resolve)),
      set: async () => 'ok',
      clear: async () => undefined,
    } as unknown as TokenStore;
    const manager = createTokenManager({ store, refresh: held.refresh, clock });
    const waiting = track(manager.getAccessToken({ timeoutMs: 1_000 }));
    await clock.advance(600);
    answerRead(expiredTokens(clock));
    await clock.advance(0);
    expect(waiting.outcome).toBeUndefined();
    // 400 ms were left when the read answered: the wait for the refresh gets those, not another 1,000.
    await clock.advance(399);
    expect(waiting.outcome).toBeUndefined();
    await clock.advance(1);
    expect(timedOut(waiting.outcome)?.limit).toBe('request');
    manager.dispose();
  });

  it('timeoutMs must be a number >= 0: a ConfigurationError naming the method; Infinity is no limit', async () => {
    const { clock, held, manager } = heldManager();
    for (const timeoutMs of [-1, Number.NaN, '5' as unknown as number]) {
      await expect(manager.getAccessToken({ timeoutMs })).rejects.toThrow(ConfigurationError);
      await expect(manager.getAccessToken({ timeoutMs })).rejects.toThrow(/getAccessToken: timeoutMs/);
      await expect(manager.refresh({ timeoutMs })).rejects.toThrow(/refresh: timeoutMs/);
    }
    expect(held.calls()).toBe(0);
    const unlimited = track(manager.getAccessToken({ timeoutMs: Number.POSITIVE_INFINITY }));
    const now = track(manager.getAccessToken({ timeoutMs: 0 }));
    await clock.advance(0);
    expect(timedOut(now.outcome)?.limit).toBe('request');
    held.release();
    await clock.advance(0);
    expect(unlimited.outcome).toEqual({ token: 'A1' });
    manager.dispose();
  });
});

describe('the kit bounds the wait for any manager (getAccessTokenWithin, refreshWithin)', () => {
  /** A manager-like object that knows nothing of `timeoutMs`, as a resolver may hand over. */
  const unaware = (answer: Promise<AccessToken>): TokenManager =>
    ({
      getAccessToken: () => answer,
      refresh: () => answer,
      peekAccessToken: () => undefined,
    }) as unknown as TokenManager;

  it("ends the wait at timeoutMs with its own timer (WaitTimeoutError, limit 'request'), for getAccessToken and refresh", async () => {
    // It hears of the end through its signal (the request's own, joined with the limit's), as it would of an abort.
    const signals: AbortSignal[] = [];
    const listening = {
      getAccessToken: (options?: GetAccessTokenOptions) => {
        if (options?.signal !== undefined) signals.push(options.signal);
        return new Promise<AccessToken>(() => {});
      },
      refresh: (options?: GetAccessTokenOptions) => listening.getAccessToken(options),
      peekAccessToken: () => undefined,
    } as unknown as TokenManager;
    const caller = new AbortController();
    for (const wait of [
      () => getAccessTokenWithin(listening, { timeoutMs: 30 }),
      () => refreshWithin(listening, { failedToken: 'A0', timeoutMs: 30, signal: caller.signal }),
    ]) {
      const started = Date.now();
      const error = await wait().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect((error as WaitTimeoutError).limit).toBe('request');
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      expect(signals.at(-1)?.aborted).toBe(true);
      expect(signals.at(-1)?.reason).toBe(error);
    }
    expect(signals).toHaveLength(2);
    expect(caller.signal.aborted).toBe(false);
  });

  it('passes the answer on and stops its timer when the manager answers first', async () => {
    const token = { token: 'A1', type: 'Bearer' };
    const spy = vi.spyOn(globalThis, 'clearTimeout');
    await expect(getAccessTokenWithin(unaware(Promise.resolve(token)), { timeoutMs: 60_000 })).resolves.toBe(
      token,
    );
    const failure = new Error('refused');
    await expect(refreshWithin(unaware(Promise.reject(failure)), { timeoutMs: 60_000 })).rejects.toBe(
      failure,
    );
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it("leaves it to this core's managers and pool handles, which enforce it with their queue's one timer", async () => {
    const { clock, held, manager } = heldManager();
    const pool = createManagerPool({ create: () => createTokenManager({ refresh: held.refresh, clock }) });
    const handle = pool.get('someone');
    // A handle says so once its manager exists (it does after any call).
    handle.peekAccessToken();
    for (const subject of [manager, handle]) {
      expect(enforcesTimeoutMs(subject)).toBe(true);
      // Not enumerable: no logger, spread or JSON sees the mark.
      expect(Object.getOwnPropertySymbols({ ...subject })).toEqual([]);
    }
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const waiting = track(getAccessTokenWithin(manager, { timeoutMs: 500 }));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    await clock.advance(500);
    expect(timedOut(waiting.outcome)?.limit).toBe('request');
    // A manager another copy of the core made carries the same (global) mark.
    expect(
      enforcesTimeoutMs({
        ...unaware(new Promise(() => {})),
        [Symbol.for('@tokenrelay/core.enforcesTimeoutMs')]: true,
      } as TokenManager),
    ).toBe(true);
    expect(enforcesTimeoutMs(unaware(new Promise(() => {})))).toBe(false);
    manager.dispose();
    pool.dispose();
  });
});
