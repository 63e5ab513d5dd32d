/**
 * `oauth2Revoke()`: token revocation (RFC 7009) as a `RevokeFunction`, for `manager.revoke()` (logout). It revokes
 * the refresh token when one is held (which ends the whole grant on servers that follow RFC 7009 section 2.1),
 * otherwise the access token. It shares the client authentication, timeout and error handling of `oauth2Refresh`.
 */
import { buildEndpointRequest, exchange } from './oauth2.ts';
import { type OAuth2RefreshOptions, resolveOptions } from './oauth2-options.ts';
import type { RevokeFunction } from './types.ts';

export interface OAuth2RevokeOptions extends Omit<OAuth2RefreshOptions, 'tokenEndpoint' | 'scope'> {
  /** The revocation endpoint (RFC 7009 section 2). Same https rule as the token endpoint. */
  readonly revocationEndpoint: string | URL;
}

export function oauth2Revoke(options: OAuth2RevokeOptions): RevokeFunction {
  const { revocationEndpoint, ...rest } = options;
  const config = resolveOptions({ ...rest, tokenEndpoint: revocationEndpoint });
  return async ({ tokens, signal, now }) => {
    if (tokens === undefined) return;
    const [token, hint] =
      tokens.refreshToken === undefined
        ? [tokens.accessToken, 'access_token']
        : [tokens.refreshToken, 'refresh_token'];
    const request = buildEndpointRequest(config, { token, token_type_hint: hint });
    // RFC 7009 section 2.2: 200 whatever the token's state; the body carries nothing.
    await exchange(
      config,
      request,
      { signal, now, refreshToken: tokens.refreshToken, tokens },
      () => undefined,
    );
  };
}
