/**
 * The emulated authorization server and API, and token managers that refresh against its token endpoint with core's
 * own `oauth2Refresh`, over the emulation's fetch double (never through the client under test). Adapter tests use it.
 */
import {
  createTokenManager,
  oauth2Refresh,
  type TokenManager,
  type TokenManagerOptions,
} from '@tokenrelay/core';
import { createOAuthServer, type OAuthServer } from './oauth-server.ts';

export interface ManagerFixture {
  readonly emu: OAuthServer;
  /**
   * A manager holding a fresh grant of the emulation (no proactive refresh, one attempt per refresh, unless
   * `overrides` say otherwise); disposed by `disposeAll()`.
   */
  manager(overrides?: Partial<TokenManagerOptions>): TokenManager;
  disposeAll(): void;
}

export function createManagerFixture(emu: OAuthServer = createOAuthServer()): ManagerFixture {
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
        // One grant per manager, so the emulation's token serials count its refreshes.
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
