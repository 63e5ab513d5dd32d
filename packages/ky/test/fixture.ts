/**
 * The emulated authorization server and API, and managers that refresh against its token endpoint with the
 * core's own `oauth2Refresh` (over the emulation's fetch double: never through ky).
 */
import {
  createTokenManager,
  oauth2Refresh,
  type TokenManager,
  type TokenManagerOptions,
} from '@tokenrelay/core';
import { createOAuthServer, type OAuthServer } from '@tokenrelay/test-utils';

export interface Fixture {
  readonly emu: OAuthServer;
  /** A manager holding a fresh grant of the emulation; disposed by `disposeAll()`. */
  manager(overrides?: Partial<TokenManagerOptions>): TokenManager;
  disposeAll(): void;
}

export function createFixture(emu: OAuthServer = createOAuthServer()): Fixture {
  const managers: TokenManager[] = [];
  return {
    emu,
    manager(overrides = {}) {
      const manager = createTokenManager({
        tokens: emu.tokenSet(),
        refresh: oauth2Refresh({
          tokenEndpoint: emu.tokenEndpoint,
          clientId: emu.clientId,
          clientSecret: emu.clientSecret,
          fetch: emu.fetch,
        }),
        proactive: false,
        retry: { attempts: 1 },
        ...overrides,
      });
      managers.push(manager);
      return manager;
    },
    disposeAll() {
      for (const manager of managers.splice(0)) manager.dispose();
    },
  };
}
