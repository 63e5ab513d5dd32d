/**
 * A `TokenStore` kept in a JSON file (`@tokenrelay/core/file-store`; it needs `node:fs`, so it is not part of the
 * platform-neutral main entry). Writes are atomic: a temp file in the same directory (created with the store's
 * mode, 0600 by default), fsync, then rename over the target, so a reader sees the old tokens or the new ones and
 * never a half-written file. Calls on one store run one at a time, in call order.
 */
import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigurationError, StoreError } from './errors.ts';
import type { TokenSet, TokenStore } from './types.ts';

export interface FileStoreOptions {
  /** Permission bits of the token file. Default `0o600` (owner read and write only). */
  readonly mode?: number | undefined;
}

const STRING_FIELDS = ['refreshToken', 'tokenType', 'scope'] as const;
const NUMBER_FIELDS = ['expiresAt', 'issuedAt'] as const;

/** Thrown for a file that exists but does not hold a token set; says which field, never what it holds. */
function corrupt(detail: string): StoreError {
  return new StoreError(`The token file is corrupt: ${detail}`, { cause: new TypeError(detail) });
}

function toTokenSet(data: unknown): TokenSet {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw corrupt('it does not hold a JSON object');
  }
  const record = data as Record<string, unknown>;
  if (typeof record.accessToken !== 'string' || record.accessToken === '') {
    throw corrupt('accessToken must be a non-empty string');
  }
  const tokens: Record<string, string | number> = { accessToken: record.accessToken };
  for (const key of STRING_FIELDS) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw corrupt(`${key} must be a string`);
    tokens[key] = value;
  }
  for (const key of NUMBER_FIELDS) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupt(`${key} must be a finite number`);
    tokens[key] = value;
  }
  return tokens as unknown as TokenSet;
}

/** Only the known fields, so nothing else a caller attached to the object ends up on disk. */
function serialize(tokens: TokenSet): string {
  const { accessToken, refreshToken, tokenType, expiresAt, issuedAt, scope } = tokens;
  return `${JSON.stringify({ accessToken, refreshToken, tokenType, expiresAt, issuedAt, scope })}\n`;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Makes a rename durable. Not every platform can open a directory (Windows cannot); that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: the rename itself has already happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Keeps tokens in the JSON file at `path`. `get()` resolves to `undefined` when the file does not exist and
 * rejects with a `StoreError` when it is corrupt or cannot be read; `set()` creates the parent directory
 * (mode 0700) when it is missing; `clear()` removes the file and does not fail when it is already gone.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): TokenStore {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigurationError('fileStore: path must be a non-empty string');
  }
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new ConfigurationError('fileStore: mode must be permission bits between 0o000 and 0o777');
  }
  const dir = dirname(path);

  // One operation at a time, in call order: writes never interleave and a get sees every earlier set.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = tail.then(operation);
    tail = result.catch(() => undefined);
    return result;
  };

  const read = async (): Promise<TokenSet | undefined> => {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw new StoreError('Could not read the token file', { cause: error });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // The parser's own message quotes the file's contents, which may hold a token: it is not kept.
      throw corrupt('it is not valid JSON');
    }
    return toTokenSet(data);
  };

  const write = async (tokens: TokenSet): Promise<void> => {
    const temp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
    let handle: FileHandle | undefined;
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      handle = await fs.open(temp, 'wx', mode);
      // The umask may have narrowed the mode given to open; set exactly what was asked for.
      await handle.chmod(mode);
      await handle.writeFile(serialize(tokens), 'utf8');
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.rename(temp, path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw new StoreError('Could not write the token file', { cause: error });
    }
    await syncDirectory(dir);
  };

  const remove = async (): Promise<void> => {
    try {
      await fs.rm(path, { force: true });
    } catch (error) {
      throw new StoreError('Could not remove the token file', { cause: error });
    }
  };

  return {
    get: () => serial(read),
    set: (tokens) => serial(() => write(tokens)),
    clear: () => serial(remove),
  };
}
