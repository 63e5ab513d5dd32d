import { describe, expect, it } from 'vitest';
import { memoryStore } from './memory-store.ts';
import type { TokenSet } from './types.ts';

const tokens: TokenSet = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: 1_000, tokenType: 'Bearer' };

describe('memoryStore', () => {
  it('starts empty without initial tokens', async () => {
    await expect(memoryStore().get()).resolves.toBeUndefined();
  });

  it('starts with the initial tokens', async () => {
    await expect(memoryStore(tokens).get()).resolves.toEqual(tokens);
  });

  it('returns what was set last, and nothing after clear', async () => {
    const store = memoryStore(tokens);
    const next: TokenSet = { accessToken: 'at-2', refreshToken: 'rt-2' };
    await store.set(next);
    await expect(store.get()).resolves.toEqual(next);
    await store.clear();
    await expect(store.get()).resolves.toBeUndefined();
    await store.clear();
    await expect(store.get()).resolves.toBeUndefined();
  });

  it('keeps separate state per store', async () => {
    const a = memoryStore();
    const b = memoryStore();
    await a.set(tokens);
    await expect(b.get()).resolves.toBeUndefined();
  });

  it('is not changed by mutating the objects passed in or handed out', async () => {
    const input = { ...tokens };
    const store = memoryStore();
    await store.set(input);
    (input as { accessToken: string }).accessToken = 'mutated';
    const out = await store.get();
    (out as { accessToken: string }).accessToken = 'mutated too';
    await expect(store.get()).resolves.toEqual(tokens);
  });
});
