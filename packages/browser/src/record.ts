import type { TokenSet } from '@tokenrelay/core';

/**
 * What is kept in storage and sent over the channel: the token set's own fields, nothing else. A value read back
 * that does not have this shape is a failed read (`StoreError`), never "no tokens".
 */

const OPTIONAL_STRINGS = ['refreshToken', 'tokenType', 'scope'] as const;
const OPTIONAL_NUMBERS = ['expiresAt', 'issuedAt', 'version'] as const;

export function toRecord(tokens: TokenSet): TokenSet {
  const record: Record<string, unknown> = { accessToken: tokens.accessToken };
  for (const key of [...OPTIONAL_STRINGS, ...OPTIONAL_NUMBERS]) {
    if (tokens[key] !== undefined) record[key] = tokens[key];
  }
  return record as unknown as TokenSet;
}

export function isTokenRecord(value: unknown): value is TokenSet {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.accessToken !== 'string') return false;
  for (const key of OPTIONAL_STRINGS) {
    if (record[key] !== undefined && typeof record[key] !== 'string') return false;
  }
  for (const key of OPTIONAL_NUMBERS) {
    if (record[key] !== undefined && typeof record[key] !== 'number') return false;
  }
  return true;
}

/** The version a store compares with: an unversioned token set counts as 0. */
export const versionOf = (tokens: TokenSet | undefined): number => tokens?.version ?? 0;
