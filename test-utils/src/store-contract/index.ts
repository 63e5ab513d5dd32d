/**
 * `@tokenrelay/test-utils/store-contract`: the `TokenStore` contract as a vitest suite, and fault wrappers. Every
 * store runs it: `runStoreContract('fileStore', async () => ({ store, open, cleanup }))`.
 */
import { describe, expect, it } from 'vitest';
import { basicChecks } from './contract-basics.ts';
import { lockChecks, lockLossChecks, sharedChecks, subscribeChecks } from './contract-shared.ts';
import type { StoreContractOptions, StoreUnderTest } from './types.ts';

export { type FaultyStore, faultyStore, type StoreFaults } from './faulty-store.ts';
export { sharedMemoryStore } from './shared-memory-store.ts';
export { expectConflict, type Settled, settle, tokens as contractTokens } from './support.ts';
export type { StoreContractOptions, StoreUnderTest } from './types.ts';

/** Declares the contract's tests for the store `factory` makes (a fresh one for every test). */
export function runStoreContract(
  name: string,
  factory: () => StoreUnderTest | Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lockLossNoticeMs = options.lockLossNoticeMs ?? 5_000;
  const use = (test: (subject: StoreUnderTest) => Promise<void>) => async (): Promise<void> => {
    const subject = await factory();
    try {
      await test(subject);
    } finally {
      await subject.cleanup?.();
    }
  };

  describe(`TokenStore contract: ${name}`, () => {
    basicChecks(use, timeoutMs);
    sharedChecks(use, timeoutMs);
    const hasLock = options.lock ?? false;
    const hasSubscribe = options.subscribe ?? false;
    it(
      `${hasLock ? 'offers' : 'does not offer'} lock() and ${hasSubscribe ? 'offers' : 'does not offer'} subscribe(), as declared`,
      use(async ({ store }) => {
        expect(typeof store.lock === 'function').toBe(hasLock);
        expect(typeof store.subscribe === 'function').toBe(hasSubscribe);
      }),
      timeoutMs,
    );
    if (hasLock) lockChecks(use, timeoutMs);
    if (hasLock && options.loseLock === true) lockLossChecks(use, timeoutMs, lockLossNoticeMs);
    if (hasSubscribe) subscribeChecks(use, timeoutMs);
  });
}
