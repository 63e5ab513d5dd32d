/** Shared by the axios-specific tests: the msw emulation and a manager refreshing against it. */
import {
  createTokenManager,
  oauth2Refresh,
  type TokenManager,
  type TokenManagerOptions,
} from '@tokenrelay/core';
import { createOAuthServer, type MswServer, type OAuthServer, startMsw } from '@tokenrelay/test-utils';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface World {
  readonly emu: OAuthServer;
  readonly manager: TokenManager;
}

/**
 * Starts msw for the file and gives each test a fresh emulation (rotation and reuse detection on) and manager,
 * disposed after the test. `expired`: the server no longer accepts the starting access token.
 */
export function useWorld(): (options?: {
  readonly expired?: boolean;
  readonly manager?: Partial<TokenManagerOptions>;
}) => World {
  let msw: MswServer | undefined;
  const managers: TokenManager[] = [];
  beforeAll(() => {
    msw = startMsw();
  });
  afterEach(() => {
    for (const manager of managers.splice(0)) manager.dispose();
    msw?.server.resetHandlers();
  });
  afterAll(() => msw?.close());
  return (options = {}) => {
    const emu = createOAuthServer();
    msw?.server.use(...emu.handlers);
    const tokens = emu.tokenSet();
    if (options.expired) emu.expireAccessTokens();
    const manager = createTokenManager({
      tokens,
      refresh: oauth2Refresh({
        tokenEndpoint: emu.tokenEndpoint,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        fetch: (input, init) => globalThis.fetch(input, init),
      }),
      ...options.manager,
    });
    managers.push(manager);
    return { emu, manager };
  };
}
