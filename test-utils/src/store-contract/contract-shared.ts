import type { HeldLock, TokenStore } from '@tokenrelay/core';
import { expect, it } from 'vitest';
import { delay, isConflict, settle, tokens } from './support.ts';
import type { StoreUnderTest } from './types.ts';

type Use = (test: (subject: StoreUnderTest) => Promise<void>) => () => Promise<void>;

const other = async (subject: StoreUnderTest): Promise<TokenStore> =>
  subject.open === undefined ? subject.store : subject.open();

/** What holds between handles on the same tokens (processes, tabs): fencing and concurrent writers. */
export function sharedChecks(use: Use, timeoutMs: number): void {
  it(
    'a late write from another handle, after a newer one landed, is refused and does not replace it',
    use(async (subject) => {
      const late = await other(subject);
      await subject.store.set(tokens(1, 1));
      await subject.store.set(tokens(3, 3));
      const result = await settle(late.set(tokens(2, 2)));
      expect(result.ok ? 'it succeeded' : isConflict(result.error)).toBe(true);
      await expect(late.get()).resolves.toEqual(tokens(3, 3));
      await expect(subject.store.get()).resolves.toEqual(tokens(3, 3));
    }),
    timeoutMs,
  );

  it(
    'concurrent versioned writers through several handles: the highest version is what stays',
    use(async (subject) => {
      const handles = [subject.store, await other(subject), await other(subject)];
      // Versions 1..24 written at once, in an order that is not the version order.
      const versions = Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) + 1);
      const results = await Promise.all(
        versions.map((version, i) =>
          settle((handles[i % handles.length] as TokenStore).set(tokens(version, version))),
        ),
      );
      for (const result of results) {
        expect(result.ok || isConflict(result.error), 'only StoreConflictError may refuse a write').toBe(
          true,
        );
      }
      expect(results.some((result) => result.ok)).toBe(true);
      for (const handle of handles) await expect(handle.get()).resolves.toEqual(tokens(24, 24));
    }),
    timeoutMs,
  );
}

/** `lock`: mutual exclusion across handles, a held lock that stays confirmed, acquire bounded by the signal. */
export function lockChecks(use: Use, timeoutMs: number): void {
  const lockOf = (store: TokenStore): NonNullable<TokenStore['lock']> => {
    const { lock } = store;
    if (lock === undefined) throw new Error('this store was declared to have lock() but has none');
    return lock.bind(store);
  };

  it(
    'runs one holder at a time across handles, each once, and passes on what fn returns',
    use(async (subject) => {
      const handles = [subject.store, await other(subject), await other(subject)];
      let inside = 0;
      let most = 0;
      const order: number[] = [];
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          lockOf(handles[i % handles.length] as TokenStore)(async () => {
            inside += 1;
            most = Math.max(most, inside);
            await delay(15);
            order.push(i);
            inside -= 1;
            return i * 10;
          }),
        ),
      );
      expect(most).toBe(1);
      expect(order.toSorted()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    }),
    timeoutMs,
  );

  it(
    'a holder sees an unaborted signal and confirm() resolves; a failing fn rejects and frees the lock',
    use(async (subject) => {
      const lock = lockOf(subject.store);
      await lock(async (held: HeldLock) => {
        expect(held.signal.aborted).toBe(false);
        await held.confirm();
      });
      const failure = new Error('refresh failed');
      await expect(lock(() => Promise.reject(failure))).rejects.toBe(failure);
      await expect(lockOf(await other(subject))(async () => 'free again')).resolves.toBe('free again');
    }),
    timeoutMs,
  );

  it(
    "waiting for a held lock is bounded by the caller's signal, and the lock works afterwards",
    use(async (subject) => {
      const waiter = lockOf(await other(subject));
      let release = (): void => undefined;
      const holding = lockOf(subject.store)(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      await delay(20);
      const reason = new Error('request gave up');
      const controller = new AbortController();
      let ran = false;
      const waiting = settle(
        waiter(
          async () => {
            ran = true;
          },
          { signal: controller.signal },
        ),
      );
      await delay(50);
      controller.abort(reason);
      const started = performance.now();
      expect(await waiting).toEqual({ ok: false, error: reason });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(ran).toBe(false);
      release();
      await holding;
      await expect(waiter(async () => 'next')).resolves.toBe('next');
      await expect(waiter(async () => 'never', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    }),
    timeoutMs,
  );
}

/** With `loseLock`: a holder whose lock was taken over learns it (signal, confirm) and the next holder gets in. */
export function lockLossChecks(use: Use, timeoutMs: number, lockLossNoticeMs: number): void {
  it(
    'a holder whose lock was taken over learns it: confirm() rejects with LockError lost, the signal fires',
    use(async (subject) => {
      const { store, loseLock } = subject;
      if (store.lock === undefined || loseLock === undefined)
        throw new Error('lock() and loseLock() are needed');
      const seen = await store.lock(async (held: HeldLock) => {
        await held.confirm();
        await subject.loseLock?.();
        const confirmed = await settle(held.confirm());
        for (let waited = 0; waited < lockLossNoticeMs && !held.signal.aborted; waited += 20) await delay(20);
        return { confirmed, aborted: held.signal.aborted, reason: held.signal.reason as unknown };
      });
      expect(seen.confirmed.ok).toBe(false);
      expect(seen.confirmed.ok ? undefined : seen.confirmed.error).toMatchObject({
        code: 'LOCK',
        reason: 'lost',
      });
      expect(seen.aborted, `HeldLock.signal did not fire within ${lockLossNoticeMs} ms`).toBe(true);
      expect(seen.reason).toMatchObject({ code: 'LOCK', reason: 'lost' });
    }),
    timeoutMs + lockLossNoticeMs,
  );
}

/** `subscribe`: tokens written through another handle reach the listener. */
export function subscribeChecks(use: Use, timeoutMs: number): void {
  it(
    'delivers tokens written and cleared through another handle; unsubscribe stops delivery',
    use(async (subject) => {
      const { subscribe } = subject.store;
      if (subscribe === undefined)
        throw new Error('this store was declared to have subscribe() but has none');
      const writer = await other(subject);
      const seen: unknown[] = [];
      const unsubscribe = subscribe.call(subject.store, (next) => seen.push(next));
      await writer.set(tokens(1, 1));
      for (let i = 0; i < 100 && seen.length === 0; i += 1) await delay(10);
      expect(seen.at(-1)).toEqual(tokens(1, 1));
      await writer.clear();
      for (let i = 0; i < 100 && seen.at(-1) !== undefined; i += 1) await delay(10);
      expect(seen.at(-1)).toBeUndefined();
      unsubscribe();
      const count = seen.length;
      await writer.set(tokens(2, 2));
      await delay(50);
      expect(seen).toHaveLength(count);
    }),
    timeoutMs,
  );
}
