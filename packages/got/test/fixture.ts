/**
 * The emulated authorization server and API (served through msw by each test file) and managers that refresh
 * against it with core's `oauth2Refresh`, over the emulation's own fetch (never through got).
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

export function createFixture(): Fixture {
  const emu = createOAuthServer();
  const managers: TokenManager[] = [];
  return {
    emu,
    manager(overrides = {}) {
      const manager = createTokenManager({
        refresh: oauth2Refresh({
          tokenEndpoint: emu.tokenEndpoint,
          clientId: emu.clientId,
          clientSecret: emu.clientSecret,
          fetch: emu.fetch,
        }),
        proactive: false,
        retry: { attempts: 1 },
        ...overrides,
        // Only one grant is issued per manager, so token serials count refreshes.
        tokens: overrides.tokens ?? emu.tokenSet(),
      });
      managers.push(manager);
      return manager;
    },
    disposeAll() {
      for (const manager of managers.splice(0)) manager.dispose();
    },
  };
}
