import type { IdSource } from './ids.ts';
import type { ReuseDetection } from './options.ts';

/**
 * The authorization server's token state: grants (token families), their refresh tokens and access tokens.
 * No HTTP here; the endpoints and the API read and change it.
 */

export interface RegistryOptions {
  readonly now: () => number;
  readonly ids: IdSource;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number | undefined;
  readonly rotation: boolean;
  readonly reuseDetection: ReuseDetection;
  readonly reuseGraceMs: number;
  readonly revokeAccessTokensOnRefresh: boolean;
}

interface Grant {
  readonly id: number;
  readonly clientId: string;
  readonly scope: string | undefined;
  revoked: boolean;
  readonly refreshTokens: Set<string>;
  readonly accessTokens: Set<string>;
}

interface RefreshTokenEntry {
  readonly grant: Grant;
  readonly serial: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When it was exchanged (rotation on); undefined while unused. */
  usedAt: number | undefined;
  /** The refresh token its exchange issued. */
  successor: string | undefined;
}

interface AccessTokenEntry {
  readonly grant: Grant;
  readonly serial: number;
  readonly issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface IssuedPair {
  readonly accessToken: string;
  /** A refresh token to hand out; absent without rotation (the presented one stays valid) and for client credentials. */
  readonly refreshToken: string | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly tokens: IssuedPair; readonly grace: boolean }
  | {
      readonly ok: false;
      readonly reason: 'unknown' | 'revoked' | 'expired' | 'reused' | 'wrong-client';
      /** A grant was revoked by this call. */
      readonly revokedGrant: boolean;
    };

export type TokenInfo =
  | {
      readonly active: true;
      readonly kind: 'access_token' | 'refresh_token';
      readonly serial: number;
      readonly clientId: string;
      readonly scope: string | undefined;
      readonly issuedAt: number;
      readonly expiresAt: number;
    }
  | { readonly active: false; readonly reason: 'unknown' | 'expired' | 'revoked' | 'used' };

export interface TokenRegistry {
  /** A new grant, as after a login; `withRefreshToken: false` for a client-credentials grant. */
  issueGrant(clientId: string, scope: string | undefined, withRefreshToken?: boolean): IssuedPair;
  /** RFC 6749 section 6 with rotation, reuse detection and the grace window. */
  refresh(refreshToken: string, clientId: string): RefreshOutcome;
  /** What the server knows about a token (access tokens first). */
  inspect(token: string): TokenInfo;
  /** Revokes the token's grant (refresh token) or the access token alone; returns whether a grant was revoked. */
  revokeToken(token: string): { known: boolean; revokedGrant: boolean };
  /** Revokes the grant a token belongs to, or every grant without a token; returns how many were revoked. */
  revokeGrant(token?: string): number;
  /** Every access token issued so far expires now. */
  expireAccessTokens(): void;
  /** Every refresh token issued so far, used or not (test-only: for leak scans). */
  issuedRefreshTokens(): string[];
  /** `<access token #n>` / `<refresh token #n>` for a token the server issued, undefined for any other string. */
  describe(token: string): string | undefined;
  reset(): void;
}

export function createTokenRegistry(options: RegistryOptions): TokenRegistry {
  const grants = new Set<Grant>();
  const refreshTokens = new Map<string, RefreshTokenEntry>();
  const accessTokens = new Map<string, AccessTokenEntry>();
  let nextGrantId = 1;
  let nextSerial = 1;
  let nextRefreshSerial = 1;

  const newAccessToken = (grant: Grant, now: number): { token: string; expiresAt: number } => {
    const token = options.ids.token('at');
    const expiresAt = now + options.accessTokenTtl;
    accessTokens.set(token, { grant, serial: nextSerial++, issuedAt: now, expiresAt, revoked: false });
    grant.accessTokens.add(token);
    return { token, expiresAt };
  };

  const newRefreshToken = (grant: Grant, now: number): string => {
    const token = options.ids.token('rt');
    const ttl = options.refreshTokenTtl;
    refreshTokens.set(token, {
      grant,
      serial: nextRefreshSerial++,
      issuedAt: now,
      expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : now + ttl,
      usedAt: undefined,
      successor: undefined,
    });
    grant.refreshTokens.add(token);
    return token;
  };

  /** Returns whether the grant was live before. */
  const revokeFamily = (grant: Grant): boolean => {
    const wasLive = !grant.revoked;
    grant.revoked = true;
    for (const token of grant.accessTokens) {
      const entry = accessTokens.get(token);
      if (entry) entry.revoked = true;
    }
    return wasLive;
  };

  const pair = (grant: Grant, now: number, refreshToken: string | undefined): IssuedPair => {
    if (options.revokeAccessTokensOnRefresh) {
      for (const token of grant.accessTokens) {
        const access = accessTokens.get(token);
        if (access) access.revoked = true;
      }
    }
    const access = newAccessToken(grant, now);
    return {
      accessToken: access.token,
      refreshToken,
      issuedAt: now,
      expiresAt: access.expiresAt,
      scope: grant.scope,
    };
  };

  /** Within the grace window and still the grant's immediately previous refresh token. */
  const inGrace = (entry: RefreshTokenEntry, now: number): boolean => {
    if (options.reuseGraceMs <= 0 || entry.usedAt === undefined || entry.successor === undefined)
      return false;
    const successor = refreshTokens.get(entry.successor);
    return successor?.usedAt === undefined && now - entry.usedAt <= options.reuseGraceMs;
  };

  return {
    issueGrant(clientId, scope, withRefreshToken = true) {
      const grant: Grant = {
        id: nextGrantId++,
        clientId,
        scope,
        revoked: false,
        refreshTokens: new Set(),
        accessTokens: new Set(),
      };
      grants.add(grant);
      const now = options.now();
      const refreshToken = withRefreshToken ? newRefreshToken(grant, now) : undefined;
      const access = newAccessToken(grant, now);
      return { accessToken: access.token, refreshToken, issuedAt: now, expiresAt: access.expiresAt, scope };
    },

    refresh(refreshToken, clientId) {
      const entry = refreshTokens.get(refreshToken);
      if (!entry) return { ok: false, reason: 'unknown', revokedGrant: false };
      // RFC 6749 section 6: the refresh token must have been issued to the authenticated client.
      if (entry.grant.clientId !== clientId)
        return { ok: false, reason: 'wrong-client', revokedGrant: false };
      if (entry.grant.revoked) return { ok: false, reason: 'revoked', revokedGrant: false };
      const now = options.now();
      if (now >= entry.expiresAt) return { ok: false, reason: 'expired', revokedGrant: false };
      if (entry.usedAt !== undefined && options.reuseDetection !== 'off') {
        if (inGrace(entry, now))
          return { ok: true, tokens: pair(entry.grant, now, entry.successor), grace: true };
        const revokedGrant = options.reuseDetection === 'revoke-family' && revokeFamily(entry.grant);
        return { ok: false, reason: 'reused', revokedGrant };
      }
      let next: string | undefined;
      if (options.rotation) {
        next = newRefreshToken(entry.grant, now);
        entry.usedAt ??= now;
        entry.successor ??= next;
      }
      return { ok: true, tokens: pair(entry.grant, now, next), grace: false };
    },

    inspect(token) {
      const now = options.now();
      const access = accessTokens.get(token);
      if (access) {
        if (access.revoked || access.grant.revoked) return { active: false, reason: 'revoked' };
        if (now >= access.expiresAt) return { active: false, reason: 'expired' };
        return {
          active: true,
          kind: 'access_token',
          serial: access.serial,
          clientId: access.grant.clientId,
          scope: access.grant.scope,
          issuedAt: access.issuedAt,
          expiresAt: access.expiresAt,
        };
      }
      const refresh = refreshTokens.get(token);
      if (!refresh) return { active: false, reason: 'unknown' };
      if (refresh.grant.revoked) return { active: false, reason: 'revoked' };
      if (now >= refresh.expiresAt) return { active: false, reason: 'expired' };
      if (refresh.usedAt !== undefined && options.reuseDetection !== 'off')
        return { active: false, reason: 'used' };
      return {
        active: true,
        kind: 'refresh_token',
        serial: refresh.serial,
        clientId: refresh.grant.clientId,
        scope: refresh.grant.scope,
        issuedAt: refresh.issuedAt,
        expiresAt: refresh.expiresAt,
      };
    },

    revokeToken(token) {
      const refresh = refreshTokens.get(token);
      if (refresh) return { known: true, revokedGrant: revokeFamily(refresh.grant) };
      const access = accessTokens.get(token);
      if (access) {
        access.revoked = true;
        return { known: true, revokedGrant: false };
      }
      return { known: false, revokedGrant: false };
    },

    revokeGrant(token) {
      if (token === undefined) {
        let count = 0;
        for (const grant of grants) if (revokeFamily(grant)) count += 1;
        return count;
      }
      const grant = refreshTokens.get(token)?.grant ?? accessTokens.get(token)?.grant;
      return grant && revokeFamily(grant) ? 1 : 0;
    },

    expireAccessTokens() {
      const now = options.now();
      for (const entry of accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
    },

    issuedRefreshTokens() {
      return [...refreshTokens.keys()];
    },

    describe(token) {
      const access = accessTokens.get(token);
      if (access) return `<access token #${access.serial}>`;
      const refresh = refreshTokens.get(token);
      return refresh ? `<refresh token #${refresh.serial}>` : undefined;
    },

    reset() {
      grants.clear();
      refreshTokens.clear();
      accessTokens.clear();
      nextGrantId = 1;
      nextSerial = 1;
      nextRefreshSerial = 1;
      options.ids.reset();
    },
  };
}
