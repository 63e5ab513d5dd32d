/**
 * A model of an OAuth2 authorization server with refresh-token rotation and reuse detection (RFC 9700 section
 * 4.14.2): each refresh token can be redeemed once; presenting one that was already redeemed revokes its whole
 * family (every token descended from the same sign-in), and so does an administrator's revocation.
 *
 * Every presentation is recorded with its verdict, so that a test can say afterwards which ones were reuses.
 */

export type Verdict =
  /** Redeemed: a new access token and refresh token were issued. */
  | 'rotated'
  /** The server was unavailable (503 before it looked at the token): the token stays unused. */
  | 'unavailable'
  /** The client failed to authenticate (invalid_client): the token stays unused. */
  | 'bad-client'
  /** Revoked by an administrator as it was presented. */
  | 'admin-revoked'
  /** The token had been redeemed already: the family is revoked now. */
  | 'reuse-detected'
  /** The token's family had been revoked before this presentation. */
  | 'family-revoked'
  /** The server never issued this token. */
  | 'unknown';

export interface Presentation {
  readonly refreshToken: string | undefined;
  readonly verdict: Verdict;
  readonly family: number | undefined;
}

export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly family: number;
}

/** What the server is told to do with the next presentation, on top of its own rules. */
export type ServerFault = 'none' | 'unavailable' | 'bad-client' | 'admin-revoke';

interface RefreshEntry {
  readonly family: number;
  redeemed: boolean;
}

export interface ServerModel {
  /** A new sign-in: a new family with its first tokens. */
  login(): IssuedTokens;
  /** Presents a refresh token at the token endpoint; returns the verdict and, when rotated, the new tokens. */
  present(
    refreshToken: string | undefined,
    fault: ServerFault,
  ): { verdict: Verdict; family: number | undefined; issued?: IssuedTokens };
  readonly presentations: readonly Presentation[];
  /** Was this token redeemed before? */
  isRedeemed(refreshToken: string): boolean;
}

export function createServerModel(): ServerModel {
  let serial = 0;
  let families = 0;
  const refreshTokens = new Map<string, RefreshEntry>();
  const revokedFamilies = new Set<number>();
  const presentations: Presentation[] = [];

  const issue = (family: number): IssuedTokens => {
    serial += 1;
    const tokens = { accessToken: `A${serial}.f${family}`, refreshToken: `R${serial}.f${family}`, family };
    refreshTokens.set(tokens.refreshToken, { family, redeemed: false });
    return tokens;
  };

  const judge = (entry: RefreshEntry | undefined, fault: ServerFault): Verdict => {
    if (fault === 'unavailable') return 'unavailable';
    if (fault === 'bad-client') return 'bad-client';
    if (entry === undefined) return 'unknown';
    if (revokedFamilies.has(entry.family)) return 'family-revoked';
    if (entry.redeemed) return 'reuse-detected';
    if (fault === 'admin-revoke') return 'admin-revoked';
    return 'rotated';
  };

  return {
    login() {
      families += 1;
      return issue(families);
    },
    present(refreshToken, fault) {
      const entry = refreshToken === undefined ? undefined : refreshTokens.get(refreshToken);
      const verdict = judge(entry, fault);
      const family = entry?.family;
      presentations.push({ refreshToken, verdict, family });
      if (verdict === 'reuse-detected' || verdict === 'admin-revoked') {
        revokedFamilies.add(entry!.family);
        return { verdict, family };
      }
      if (verdict !== 'rotated') return { verdict, family };
      entry!.redeemed = true;
      return { verdict, family, issued: issue(entry!.family) };
    },
    presentations,
    isRedeemed: (refreshToken) => refreshTokens.get(refreshToken)?.redeemed === true,
  };
}
