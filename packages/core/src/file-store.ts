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
import { type AcquiredFileLock, acquireFileLock } from './file-lock.ts';
import { abortable, clearConflict, writeConflict } from './store-support.ts';
import { CorruptTokenFile, corruptFileError, parseTokenFile, serializeTokenFile } from './token-file.ts';
import type { HeldLock, StoreCallOptions, StoreClearOptions, TokenSet, TokenStore } from './types.ts';

export interface FileStoreLockOptions {
  /**
   * A lock whose holder has not refreshed it for this long is taken over (the holder died or hung). The holder
   * refreshes it every `staleMs / 2`. Default 10_000 ms; at least 2_000.
   */
  readonly staleMs?: number | undefined;
  /** `lock()` gives up after this long with `LockError('acquire-timeout')`. Default 30_000 ms. */
  readonly acquireTimeoutMs?: number | undefined;
}

export interface FileStoreOptions {
  /** Permission bits of the token file. Default `0o600` (owner read and write only). */
  readonly mode?: number | undefined;
  /** The lock shared by every process that uses the same file (`<path>.lock`). */
  readonly lock?: FileStoreLockOptions | undefined;
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

const positive = (value: number | undefined, fallback: number, name: string, min = 1): number => {
  const result = value ?? fallback;
  if (typeof result !== 'number' || !Number.isFinite(result) || result < min || result >= 2 ** 31) {
    throw new ConfigurationError(`fileStore: ${name} must be a number of ms from ${min} to 2^31 - 1`);
  }
  return result;
};

/** A file that was read: its tokens, or why they could not be used. */
type FileState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'tokens'; readonly tokens: TokenSet }
  | { readonly kind: 'corrupt'; readonly error: CorruptTokenFile };

/**
 * Keeps tokens in the JSON file at `path`.
 * - `get()` resolves to `undefined` when the file does not exist, and rejects with a `StoreError` naming the file
 *   (never its contents) when it is corrupt or cannot be read (EMFILE, EACCES: the cause is kept). A corrupt file
 *   is left in place; the next `set()` or `clear()` moves it aside to `<path>.corrupt-<timestamp>`, never deletes it.
 *   `null` in an optional field reads as absent.
 * - `set()` creates the parent directory (mode 0700) when it is missing. A versioned write (`tokens.version`) is
 *   refused with `StoreConflictError` unless it is above the version in the file; the check and the rename happen
 *   under a short write lock (`<path>.write-lock`), so two processes cannot both pass it.
 * - `clear()` removes the file and does not fail when it is already gone; `clear({ version })` is refused while the
 *   file holds a newer version.
 * - `lock(fn)` runs `fn` while holding `<path>.lock`, shared by every process on this machine that uses the file:
 *   the lease is refreshed while `fn` runs, a holder that died is taken over after `staleMs`, `HeldLock.signal`
 *   fires when the lock was taken over, and `confirm()` checks that it is still ours with lease to spare.
 * - Every call takes `{ signal }`: once it aborts, the call rejects with the signal's reason at once (a write that
 *   already started still completes in the background, under its version check).
 * - No `subscribe`: `fs.watch` is not reliable across platforms, and a manager re-reads the file after taking the
 *   lock, so tokens another process wrote are adopted anyway.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): TokenStore {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigurationError('fileStore: path must be a non-empty string');
  }
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new ConfigurationError('fileStore: mode must be permission bits between 0o000 and 0o777');
  }
  const staleMs = positive(options.lock?.staleMs, 10_000, 'lock.staleMs', 2_000);
  const acquireTimeoutMs = positive(options.lock?.acquireTimeoutMs, 30_000, 'lock.acquireTimeoutMs');
  const dir = dirname(path);

  // One operation at a time, in call order: writes never interleave and a get sees every earlier set. A call
  // whose signal aborted while it queued is skipped when its turn comes.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(call: StoreCallOptions | undefined, operation: () => Promise<T>): Promise<T> => {
    const signal = call?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const result = tail.then(() => {
      signal?.throwIfAborted();
      return operation();
    });
    tail = result.catch(() => undefined);
    return abortable(result, signal);
  };

  const readState = async (signal?: AbortSignal): Promise<FileState> => {
    let text: string;
    try {
      text = await fs.readFile(path, { encoding: 'utf8', signal });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { kind: 'absent' };
      if (signal?.aborted) throw signal.reason;
      throw new StoreError(`Could not read the token file ${path}`, { cause: error });
    }
    try {
      return { kind: 'tokens', tokens: parseTokenFile(text) };
    } catch (error) {
      if (error instanceof CorruptTokenFile) return { kind: 'corrupt', error };
      throw error;
    }
  };

  const read = async (signal?: AbortSignal): Promise<TokenSet | undefined> => {
    const state = await readState(signal);
    if (state.kind === 'corrupt') throw corruptFileError(path, state.error);
    return state.kind === 'tokens' ? state.tokens : undefined;
  };

  /** Keeps a corrupt file for whoever wants to look at it, out of the way of new tokens. */
  const moveAside = async (): Promise<void> => {
    try {
      await fs.rename(path, `${path}.corrupt-${Date.now()}`);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        throw new StoreError(`Could not move the corrupt token file ${path} aside`, { cause: error });
      }
    }
  };

  const writeFile = async (tokens: TokenSet): Promise<void> => {
    const temp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
    let handle: FileHandle | undefined;
    try {
      handle = await fs.open(temp, 'wx', mode);
      // The umask may have narrowed the mode given to open; set exactly what was asked for.
      await handle.chmod(mode);
      await handle.writeFile(serializeTokenFile(tokens), 'utf8');
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.rename(temp, path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw new StoreError(`Could not write the token file ${path}`, { cause: error });
    }
    await syncDirectory(dir);
  };

  const ensureDir = async (): Promise<void> => {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(`Could not create the directory of the token file ${path}`, { cause: error });
    }
  };

  /** Runs a read-compare-write under `<path>.write-lock`, so the version check holds across processes. */
  const underWriteLock = async <T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> => {
    await ensureDir();
    const held = await acquireFileLock(`${path}.write-lock`, { staleMs: 2_000, acquireTimeoutMs, signal });
    try {
      return await work();
    } finally {
      await held.release();
    }
  };

  const set = async (tokens: TokenSet, signal?: AbortSignal): Promise<void> => {
    if (tokens.version === undefined) {
      await ensureDir();
      if ((await readState()).kind === 'corrupt') await moveAside();
      return writeFile(tokens);
    }
    return underWriteLock(signal, async () => {
      const state = await readState();
      if (state.kind === 'corrupt') await moveAside();
      const conflict = writeConflict(state.kind === 'tokens' ? state.tokens : undefined, tokens);
      if (conflict !== undefined) throw conflict;
      await writeFile(tokens);
    });
  };

  const remove = async (): Promise<void> => {
    try {
      await fs.rm(path, { force: true });
    } catch (error) {
      throw new StoreError(`Could not remove the token file ${path}`, { cause: error });
    }
  };

  const clear = async (options?: StoreClearOptions): Promise<void> => {
    const clearState = async (): Promise<void> => {
      const state = await readState();
      if (state.kind === 'corrupt') return moveAside();
      const conflict = clearConflict(state.kind === 'tokens' ? state.tokens : undefined, options?.version);
      if (conflict !== undefined) throw conflict;
      return remove();
    };
    if (options?.version === undefined) return clearState();
    return underWriteLock(options.signal, clearState);
  };

  const lock = async <T>(fn: (lock: HeldLock) => Promise<T>, call?: StoreCallOptions): Promise<T> => {
    call?.signal?.throwIfAborted();
    await ensureDir();
    const held: AcquiredFileLock = await acquireFileLock(`${path}.lock`, {
      staleMs,
      acquireTimeoutMs,
      signal: call?.signal,
    });
    try {
      return await fn({ signal: held.signal, confirm: () => held.confirm() });
    } finally {
      await held.release();
    }
  };

  return {
    get: (call) => serial(call, () => read(call?.signal)),
    set: (tokens, call) => serial(call, () => set({ ...tokens }, call?.signal)),
    clear: (call) => serial(call, () => clear(call)),
    lock,
  };
}
