import { randomBytes } from 'node:crypto';

/**
 * The authorization server's token state: grants (token families), their refresh tokens and access tokens.
 * No HTTP here; the token endpoint and the API read and change it.
 */

export interface RegistryOptions {
  readonly now: () => number;
  readonly accessTokenTtlMs: number;
  readonly rotateRefreshTokens: boolean;
  readonly reuseDetection: boolean;
  readonly revokeAccessTokensOnRefresh: boolean;
}

interface Grant {
  readonly id: number;
  revoked: boolean;
  readonly refreshTokens: Set<string>;
  readonly accessTokens: Set<string>;
}

interface RefreshTokenEntry {
  readonly grant: Grant;
  used: boolean;
}

interface AccessTokenEntry {
  readonly grant: Grant;
  readonly serial: number;
  expiresAt: number;
  revoked: boolean;
}

export interface IssuedPair {
  readonly accessToken: string;
  /** A new refresh token; absent without rotation (the presented one stays valid) and for client credentials. */
  readonly refreshToken: string | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly tokens: IssuedPair }
  | { readonly ok: false; readonly reason: 'unknown' | 'revoked' | 'reused' };

export type AccessCheck =
  | { readonly ok: true; readonly serial: number }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' };

export interface TokenRegistry {
  /** A new grant, as after a login; `withRefreshToken: false` for a client-credentials grant. */
  issueGrant(withRefreshToken?: boolean): IssuedPair;
  /** RFC 6749 section 6 with rotation and reuse detection. */
  refresh(refreshToken: string): RefreshOutcome;
  checkAccessToken(accessToken: string): AccessCheck;
  /** Revokes the token's grant (refresh token) or the access token alone; false when unknown. */
  revokeToken(token: string): boolean;
  /** Revokes the grant a token belongs to, or every grant without a token. */
  revokeGrant(token?: string): void;
  /** Every access token issued so far expires now. */
  expireAccessTokens(): void;
  /** Every refresh token issued so far, used or not (test-only: for leak scans). */
  issuedRefreshTokens(): string[];
  reset(): void;
}

const opaque = (prefix: string): string => `${prefix}_${randomBytes(24).toString('base64url')}`;

export function createTokenRegistry(options: RegistryOptions): TokenRegistry {
  const grants = new Set<Grant>();
  const refreshTokens = new Map<string, RefreshTokenEntry>();
  const accessTokens = new Map<string, AccessTokenEntry>();
  let nextGrantId = 1;
  let nextSerial = 1;

  const newAccessToken = (grant: Grant, now: number): { token: string; expiresAt: number } => {
    const token = opaque('at');
    const expiresAt = now + options.accessTokenTtlMs;
    accessTokens.set(token, { grant, serial: nextSerial++, expiresAt, revoked: false });
    grant.accessTokens.add(token);
    return { token, expiresAt };
  };

  const newRefreshToken = (grant: Grant): string => {
    const token = opaque('rt');
    refreshTokens.set(token, { grant, used: false });
    grant.refreshTokens.add(token);
    return token;
  };

  const revokeFamily = (grant: Grant): void => {
    grant.revoked = true;
    for (const token of grant.accessTokens) {
      const entry = accessTokens.get(token);
      if (entry) entry.revoked = true;
    }
  };

  return {
    issueGrant(withRefreshToken = true) {
      const grant: Grant = {
        id: nextGrantId++,
        revoked: false,
        refreshTokens: new Set(),
        accessTokens: new Set(),
      };
      grants.add(grant);
      const now = options.now();
      const access = newAccessToken(grant, now);
      const refreshToken = withRefreshToken ? newRefreshToken(grant) : undefined;
      return { accessToken: access.token, refreshToken, issuedAt: now, expiresAt: access.expiresAt };
    },

    refresh(refreshToken) {
      const entry = refreshTokens.get(refreshToken);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.grant.revoked) return { ok: false, reason: 'revoked' };
      if (entry.used) {
        if (options.reuseDetection) revokeFamily(entry.grant);
        return { ok: false, reason: 'reused' };
      }
      const now = options.now();
      if (options.revokeAccessTokensOnRefresh) {
        for (const token of entry.grant.accessTokens) {
          const access = accessTokens.get(token);
          if (access) access.revoked = true;
        }
      }
      const access = newAccessToken(entry.grant, now);
      let next: string | undefined;
      if (options.rotateRefreshTokens) {
        entry.used = true;
        next = newRefreshToken(entry.grant);
      }
      const tokens = {
        accessToken: access.token,
        refreshToken: next,
        issuedAt: now,
        expiresAt: access.expiresAt,
      };
      return { ok: true, tokens };
    },

    checkAccessToken(accessToken) {
      const entry = accessTokens.get(accessToken);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.revoked || entry.grant.revoked) return { ok: false, reason: 'revoked' };
      if (options.now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, serial: entry.serial };
    },

    revokeToken(token) {
      const refresh = refreshTokens.get(token);
      if (refresh) {
        revokeFamily(refresh.grant);
        return true;
      }
      const access = accessTokens.get(token);
      if (access) {
        access.revoked = true;
        return true;
      }
      return false;
    },

    revokeGrant(token) {
      if (token === undefined) {
        for (const grant of grants) revokeFamily(grant);
        return;
      }
      const grant = refreshTokens.get(token)?.grant ?? accessTokens.get(token)?.grant;
      if (grant) revokeFamily(grant);
    },

    expireAccessTokens() {
      const now = options.now();
      for (const entry of accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
    },

    issuedRefreshTokens() {
      return [...refreshTokens.keys()];
    },

    reset() {
      grants.clear();
      refreshTokens.clear();
      accessTokens.clear();
      nextGrantId = 1;
      nextSerial = 1;
    },
  };
}
