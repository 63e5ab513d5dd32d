import { expect, it } from 'vitest';
import { expectConflict, settle, tokens } from './support.ts';
import type { StoreUnderTest } from './types.ts';

type Use = (test: (subject: StoreUnderTest) => Promise<void>) => () => Promise<void>;

/** Reading, writing, clearing and copying: what every store does with one handle. */
export function basicChecks(use: Use, timeoutMs: number): void {
  it(
    'an empty store reads as undefined; clear on an empty store succeeds',
    use(async ({ store }) => {
      await expect(store.get()).resolves.toBeUndefined();
      await store.clear();
      await expect(store.get()).resolves.toBeUndefined();
    }),
    timeoutMs,
  );

  it(
    'round-trips every field, the version included; clear removes them',
    use(async ({ store }) => {
      await store.set(tokens(1, 7));
      await expect(store.get()).resolves.toEqual(tokens(1, 7));
      await store.set(tokens(2));
      await expect(store.get()).resolves.toEqual(tokens(2));
      await store.clear();
      await expect(store.get()).resolves.toBeUndefined();
    }),
    timeoutMs,
  );

  it(
    'hands out copies: mutating what was passed in or read out changes nothing stored',
    use(async ({ store }) => {
      const input = { ...tokens(1, 1) };
      await store.set(input);
      (input as { accessToken: string }).accessToken = 'mutated';
      const out = await store.get();
      (out as { accessToken: string }).accessToken = 'mutated too';
      await expect(store.get()).resolves.toEqual(tokens(1, 1));
    }),
    timeoutMs,
  );

  it(
    'refuses a write whose version is not above the stored one, with StoreConflictError, and keeps the newer tokens',
    use(async ({ store }) => {
      await store.set(tokens(1, 1));
      await store.set(tokens(2, 2));
      const same = await settle(store.set(tokens(3, 2)));
      const older = await settle(store.set(tokens(4, 1)));
      expectConflict(same);
      expectConflict(older);
      expect(older).toMatchObject({ error: { attemptedVersion: 1, storedVersion: 2 } });
      expect(String(older.ok || older.error)).not.toContain('at-4');
      await expect(store.get()).resolves.toEqual(tokens(2, 2));
    }),
    timeoutMs,
  );

  it(
    'counts stored unversioned tokens as version 0; an unversioned write is unconditional',
    use(async ({ store }) => {
      await store.set(tokens(1));
      expectConflict(await settle(store.set(tokens(2, 0))));
      await store.set(tokens(3, 1));
      await expect(store.get()).resolves.toEqual(tokens(3, 1));
      await store.set(tokens(4));
      await expect(store.get()).resolves.toEqual(tokens(4));
    }),
    timeoutMs,
  );

  it(
    'clear({ version }) is refused while the store holds a newer version; clear() always removes',
    use(async ({ store }) => {
      await store.set(tokens(3, 3));
      expectConflict(await settle(store.clear({ version: 2 })));
      await expect(store.get()).resolves.toEqual(tokens(3, 3));
      await store.clear({ version: 3 });
      await expect(store.get()).resolves.toBeUndefined();
      await store.set(tokens(5, 5));
      await store.clear();
      await expect(store.get()).resolves.toBeUndefined();
    }),
    timeoutMs,
  );

  it(
    'a call with an aborted signal rejects with the signal reason and changes nothing',
    use(async ({ store }) => {
      await store.set(tokens(1, 1));
      const reason = new Error('caller gave up');
      const signal = AbortSignal.abort(reason);
      await expect(store.get({ signal })).rejects.toBe(reason);
      await expect(store.set(tokens(2, 2), { signal })).rejects.toBe(reason);
      await expect(store.clear({ signal })).rejects.toBe(reason);
      await expect(store.get()).resolves.toEqual(tokens(1, 1));
    }),
    timeoutMs,
  );
}
