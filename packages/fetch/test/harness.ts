import type { TokenManager, TokenManagerOptions } from '@tokenrelay/core';
import { type ApiEcho, createManagerFixture, type OAuthServer } from '@tokenrelay/test-utils';

/**
 * A manager holding a fresh grant of `oauth`. It refreshes through the emulation's own fetch double, never
 * through the fetch under test; one attempt, no proactive timer. The caller disposes it.
 */
export const managerFor = (oauth: OAuthServer, options: Partial<TokenManagerOptions> = {}): TokenManager =>
  createManagerFixture(oauth).manager(options);

export const echoOf = async (response: Response): Promise<ApiEcho> => (await response.json()) as ApiEcho;

/** The value a promise rejects with; fails when it resolves. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
