/**
 * The token file's format: a JSON object with the `TokenSet` fields. Reading checks every field; a `null`
 * optional field reads as absent (other tools write `"expiresAt": null` for "unknown").
 */
import { StoreError } from './errors.ts';
import type { TokenSet } from './types.ts';

const STRING_FIELDS = ['refreshToken', 'tokenType', 'scope'] as const;
const NUMBER_FIELDS = ['expiresAt', 'issuedAt'] as const;

/** A file that exists but does not hold a token set: says which file and which field, never what it holds. */
export class CorruptTokenFile extends Error {
  override name = 'CorruptTokenFile';
}

/** The `StoreError` for a corrupt file at `path`. */
export const corruptFileError = (path: string, cause: CorruptTokenFile): StoreError =>
  new StoreError(`The token file ${path} is corrupt (${cause.message}); it was left in place`, { cause });

function toTokenSet(data: unknown): TokenSet {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptTokenFile('it does not hold a JSON object');
  }
  const record = data as Record<string, unknown>;
  if (typeof record.accessToken !== 'string' || record.accessToken === '') {
    throw new CorruptTokenFile('accessToken must be a non-empty string');
  }
  const tokens: Record<string, string | number> = { accessToken: record.accessToken };
  for (const key of STRING_FIELDS) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new CorruptTokenFile(`${key} must be a string`);
    tokens[key] = value;
  }
  for (const key of NUMBER_FIELDS) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new CorruptTokenFile(`${key} must be a finite number`);
    }
    tokens[key] = value;
  }
  const version = record.version;
  if (version !== undefined && version !== null) {
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
      throw new CorruptTokenFile('version must be a whole number >= 0');
    }
    tokens.version = version;
  }
  return tokens as unknown as TokenSet;
}

/** The tokens in `text`; throws `CorruptTokenFile` when it does not hold a token set. */
export function parseTokenFile(text: string): TokenSet {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's own message quotes the file's contents, which may hold a token: it is not kept.
    throw new CorruptTokenFile('it is not valid JSON');
  }
  return toTokenSet(data);
}

/** Only the known fields, so nothing else a caller attached to the object ends up on disk. */
export function serializeTokenFile(tokens: TokenSet): string {
  const { accessToken, refreshToken, tokenType, expiresAt, issuedAt, scope, version } = tokens;
  return `${JSON.stringify({ accessToken, refreshToken, tokenType, expiresAt, issuedAt, scope, version })}\n`;
}
