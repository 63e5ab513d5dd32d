import { describe, expect, it } from 'vitest';
import { isTokenRelayError } from './errors.ts';
import { createManagerPool } from './pool.ts';
import { createFakeClock } from './testing.ts';
import type { RefreshFunction, TokenManagerOptions } from './types.ts';

const HOUR = 3_600_000;

/** A manager's options whose refresh waits until the test lets it finish. */
function controlledRefresh(): { refresh: RefreshFunction; finish(): void; calls: number } {
  const state = {
    calls: 0,
    finish: (): void => undefined,
    refresh: async (): Promise<{ accessToken: string; expiresIn: number }> => {
      state.calls += 1;
      await new Promise<void>((resolve) => {
        state.finish = resolve;
      });
      return { accessToken: `at-refreshed-${state.calls}`, expiresIn: 3_600 };
    },
  };
  return state;
}

describe('createManagerPool', () => {
  it('gives one manager per key, made once while the pool holds it', async () => {
    const clock = createFakeClock();
    const made: string[] = [];
    const pool = createManagerPool({
      clock,
      create: (key): TokenManagerOptions => {
        made.push(key);
        return {
          tokens: { accessToken: `at-${key}`, expiresAt: clock.now() + HOUR },
          refresh: async () => ({ accessToken: 'never' }),
        };
      },
    });
    const a = pool.get('user-a');
    expect(pool.get('user-a')).toBe(a);
    expect(pool.get('user-b')).not.toBe(a);
    await expect(a.getAccessToken()).resolves.toMatchObject({ token: 'at-user-a' });
    await expect(pool.get('user-b').getAccessToken()).resolves.toMatchObject({ token: 'at-user-b' });
    expect(made).toEqual(['user-a', 'user-b']);
    pool.dispose();
  });

  it('holds at most max managers and disposes the least recently used one', async () => {
    const clock = createFakeClock();
    const made: string[] = [];
    const pool = createManagerPool({
      clock,
      max: 2,
      create: (key) => {
        made.push(key);
        return { tokens: { accessToken: `at-${key}` }, refresh: async () => ({ accessToken: 'x' }) };
      },
    });
    const a = pool.get('a');
    const b = pool.get('b');
    pool.get('a'); // a is now the most recently used
    pool.get('c'); // b goes
    expect(pool.size).toBe(2);
    expect(pool.has('b')).toBe(false);
    expect(pool.get('a')).toBe(a);
    await expect(pool.get('c').getAccessToken()).resolves.toMatchObject({ token: 'at-c' });
    // A request that still holds b's manager (it resolved it before c pushed b out) is not failed with
    // DisposedError: its call goes to a manager made again for b, and the pool stays within max.
    await expect(b.getAccessToken()).resolves.toMatchObject({ token: 'at-b' });
    expect(made).toEqual(['a', 'b', 'c', 'b']);
    expect(pool.size).toBe(2);
    pool.dispose();
    await expect(a.getAccessToken()).rejects.toSatisfy((e: unknown) => isTokenRelayError(e, 'DISPOSED'));
  });

  it('never disposes a manager mid-refresh: an evicted busy manager finishes, and a get in between gets it back', async () => {
    const clock = createFakeClock();
    const refreshes = new Map<string, ReturnType<typeof controlledRefresh>>();
    const pool = createManagerPool({
      clock,
      max: 1,
      create: (key) => {
        const control = controlledRefresh();
        refreshes.set(key, control);
        return { tokens: { accessToken: `at-${key}`, refreshToken: `rt-${key}` }, refresh: control.refresh };
      },
    });
    const a = pool.get('a');
    const waiting = a.refresh({ failedToken: 'at-a' });
    await clock.advance(0);
    expect(a.state).toBe('refreshing');
    pool.get('b'); // a is pushed out while its refresh runs
    expect(pool.size).toBe(2);
    expect(pool.draining).toBe(1); // on top of max, until its refresh is done
    await clock.advance(1_000);
    expect(pool.get('a')).toBe(a); // same manager: no second refresh of a's grant
    expect(refreshes.get('a')?.calls).toBe(1);
    pool.get('b'); // a is pushed out again, still refreshing
    refreshes.get('a')?.finish();
    await expect(waiting).resolves.toMatchObject({ token: 'at-refreshed-1' });
    await clock.advance(1_000);
    // Done now: disposed and gone; a later get makes a new one.
    expect(pool.has('a')).toBe(false);
    // The old handle still works: a new manager for a (the old one is disposed, so a second one never overlaps).
    await expect(a.getAccessToken()).resolves.toMatchObject({ token: 'at-a' });
    expect(refreshes.get('a')?.calls).toBe(0);
    expect(pool.get('a')).not.toBe(a);
    pool.dispose();
  });

  it('disposes a manager not used for idleMs, and keeps one that was', async () => {
    const clock = createFakeClock();
    const pool = createManagerPool({
      clock,
      idleMs: 60_000,
      create: (key) => ({
        tokens: { accessToken: `at-${key}` },
        refresh: async () => ({ accessToken: 'x' }),
      }),
    });
    const idle = pool.get('idle');
    const used = pool.get('used');
    await clock.advance(40_000);
    pool.get('used');
    await clock.advance(30_000);
    expect(pool.has('idle')).toBe(false);
    expect(pool.has('used')).toBe(true);
    await expect(used.getAccessToken()).resolves.toMatchObject({ token: 'at-used' });
    // Asked again after it was disposed: made again.
    await expect(idle.getAccessToken()).resolves.toMatchObject({ token: 'at-idle' });
    expect(pool.has('idle')).toBe(true);
    await clock.advance(60_000);
    expect(pool.size).toBe(0);
    expect(clock.pending).toBe(0);
    pool.dispose();
  });

  it('delete disposes one manager; dispose releases every timer and refuses later use', async () => {
    const clock = createFakeClock();
    const pool = createManagerPool({
      clock,
      create: (key) => ({
        tokens: { accessToken: `at-${key}`, refreshToken: 'rt', expiresAt: clock.now() + HOUR },
        refresh: async () => ({ accessToken: 'x', expiresIn: 3_600 }),
      }),
    });
    const a = pool.get('a');
    pool.get('b');
    await a.getAccessToken();
    expect(pool.delete('a')).toBe(true);
    expect(pool.delete('a')).toBe(false);
    expect(pool.size).toBe(1);
    expect(clock.pending).toBeGreaterThan(0);
    pool.dispose();
    expect(clock.pending).toBe(0);
    expect(() => pool.get('a')).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('refuses options that cannot work', () => {
    const create = (): TokenManagerOptions => ({ refresh: async () => ({ accessToken: 'x' }) });
    expect(() => createManagerPool({ create, max: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION' }),
    );
    expect(() => createManagerPool({ create, idleMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION' }),
    );
    expect(() => createManagerPool({} as never)).toThrow(expect.objectContaining({ code: 'CONFIGURATION' }));
  });
});
