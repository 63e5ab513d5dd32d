import {
  createTokenManager,
  oauth2Refresh,
  type TokenManager,
  type TokenManagerOptions,
} from '@tokenrelay/core';
import type { ApiEcho, OAuthServer } from '@tokenrelay/test-utils';

/**
 * A manager holding a fresh grant of `oauth`. It refreshes through the emulation's own fetch double, never
 * through the fetch under test; one attempt, no proactive timer.
 */
export function managerFor(oauth: OAuthServer, options: Partial<TokenManagerOptions> = {}): TokenManager {
  return createTokenManager({
    tokens: oauth.tokenSet(),
    refresh: oauth2Refresh({
      tokenEndpoint: oauth.tokenEndpoint,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      fetch: oauth.fetch,
    }),
    proactive: false,
    retry: { attempts: 1 },
    ...options,
  });
}

export const echoOf = async (response: Response): Promise<ApiEcho> => (await response.json()) as ApiEcho;

/** The value a promise rejects with; fails when it resolves. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
