import type { TokenManager, TokenManagerOptions } from '@tokenrelay/core';
import type { FetchLike } from '@tokenrelay/fetch';
import { type ApiEcho, createManagerFixture, type OAuthServer } from '@tokenrelay/test-utils';
import { expect } from 'vitest';

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

/**
 * A fetch that follows redirects and keeps every header on every hop, as a careless custom fetch might. It
 * honours `redirect: 'manual'` like any fetch.
 */
export const leakyFetch: FetchLike = async (input, init) => {
  let url = new URL(input instanceof Request ? input.url : input);
  let response = await fetch(url, { ...init, redirect: 'manual' });
  for (let hop = 0; hop < 5 && init?.redirect !== 'manual'; hop += 1) {
    const location = response.headers.get('location');
    if (location === null) break;
    url = new URL(location, url);
    response = await fetch(url, { ...init, redirect: 'manual' });
  }
  return response;
};

/**
 * Until the manager answers without waiting (a few calls at most): the state of a client in steady use, where the
 * token is taken without a promise.
 */
export const warm = async (manager: TokenManager): Promise<void> => {
  for (let i = 0; i < 5 && manager.peekAccessToken() === undefined; i++) await manager.getAccessToken();
  expect(manager.peekAccessToken()).toBeDefined();
};
