/**
 * The repo's tests' view of `@tokenrelay/msw`: the option names they were written with, and a core `TokenSet`.
 * New tests should use `@tokenrelay/msw` directly.
 */
import type { TokenSet } from '@tokenrelay/core';
import {
  type ClientAuthMethod,
  createOAuthServer as createKitServer,
  type OAuthServer as KitServer,
} from '@tokenrelay/msw';

export interface OAuthServerOptions {
  readonly clock?: { now(): number } | undefined;
  /** Access-token lifetime. Default 60_000 ms. */
  readonly accessTokenTtlMs?: number | undefined;
  readonly omitExpiresIn?: boolean | undefined;
  /** Default true. */
  readonly rotateRefreshTokens?: boolean | undefined;
  /** true: `'revoke-family'` (the default); false: `'reject'`. */
  readonly reuseDetection?: boolean | undefined;
  readonly revokeAccessTokensOnRefresh?: boolean | undefined;
  /** Default `tokenrelay-client`. */
  readonly clientId?: string | undefined;
  /** Default `tokenrelay-secret`. Ignored with `clientAuth: 'none'`. */
  readonly clientSecret?: string | undefined;
  /** Default `client_secret_basic`. */
  readonly clientAuth?: ClientAuthMethod | undefined;
  readonly scope?: string | undefined;
  /** The kit's `issuer`. */
  readonly authOrigin?: string | undefined;
  readonly apiOrigin?: string | undefined;
  readonly otherOrigin?: string | undefined;
  readonly echoOrigins?: readonly string[] | undefined;
  /** Record headers and bodies, unredacted (the repo's leak scans read them). */
  readonly captureRequests?: boolean | undefined;
  readonly requestLogLimit?: number | undefined;
}

export interface OAuthServer extends KitServer {
  /** A new grant as a core `TokenSet`; `expiresAt`/`issuedAt` on `clock` (default: the server's clock). */
  tokenSet(clock?: { now(): number }): TokenSet;
}

export function createOAuthServer(options: OAuthServerOptions = {}): OAuthServer {
  const clientAuth = options.clientAuth ?? 'client_secret_basic';
  const server = createKitServer({
    issuer: options.authOrigin,
    clients: [
      {
        clientId: options.clientId ?? 'tokenrelay-client',
        clientSecret: clientAuth === 'none' ? undefined : (options.clientSecret ?? 'tokenrelay-secret'),
        auth: clientAuth,
      },
    ],
    accessTokenTtl: options.accessTokenTtlMs,
    rotation: options.rotateRefreshTokens,
    reuseDetection: options.reuseDetection === false ? 'reject' : 'revoke-family',
    clock: options.clock,
    scope: options.scope,
    omitExpiresIn: options.omitExpiresIn,
    revokeAccessTokensOnRefresh: options.revokeAccessTokensOnRefresh,
    apiOrigin: options.apiOrigin,
    otherOrigin: options.otherOrigin,
    echoOrigins: options.echoOrigins,
    captureRequests: options.captureRequests,
    requestLogLimit: options.requestLogLimit,
    // The repo's suites compare logged Authorization headers with the tokens they sent.
    unredactedLog: true,
  });
  return Object.assign(server, {
    tokenSet(tokenClock?: { now(): number }): TokenSet {
      const issued = server.issueTokens();
      const issuedAt = tokenClock === undefined ? issued.issuedAt : tokenClock.now();
      return {
        accessToken: issued.accessToken,
        refreshToken: issued.refreshToken,
        tokenType: 'Bearer',
        expiresAt:
          issued.expiresIn === undefined ? undefined : issuedAt + (issued.expiresAt - issued.issuedAt),
        issuedAt,
        scope: issued.scope,
      };
    },
  });
}
