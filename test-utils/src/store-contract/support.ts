import { isTokenRelayError, type TokenSet } from '@tokenrelay/core';
import { expect } from 'vitest';

export const tokens = (n: number, version?: number): TokenSet => ({
  accessToken: `at-${n}`,
  refreshToken: `rt-${n}`,
  tokenType: 'Bearer',
  expiresAt: 1_700_000_000_000 + n * 1_000,
  issuedAt: 1_700_000_000_000,
  scope: 'read',
  ...(version === undefined ? {} : { version }),
});

/** What a promise settled with, so a test can assert on rejections without try/catch. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export const isConflict = (error: unknown): boolean => isTokenRelayError(error, 'STORE_CONFLICT');

/** Resolves after `ms` of real time. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asserts that a store call was refused with `StoreConflictError`. */
export function expectConflict(result: Settled<unknown>): void {
  expect(result.ok ? 'it succeeded' : result.error).toSatisfy(isConflict, 'a StoreConflictError');
}
