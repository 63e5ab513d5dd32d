/**
 * A lock between processes on one machine, over `proper-lockfile`: the lock is a directory (`mkdir` is atomic on
 * every local file system), its mtime is refreshed while it is held (the lease), and a lock whose mtime is older
 * than `staleMs` belongs to a holder that died or hung and is taken over. Beside it, an owner file names the
 * current holder, so a holder can check that the lock is still its own (`confirm`).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { lock as lockDirectory } from 'proper-lockfile';
import { LockError } from './errors.ts';
import type { HeldLock } from './types.ts';

export interface FileLockOptions {
  /** A lock not refreshed for this long is stale and taken over. proper-lockfile's floor is 2_000 ms. */
  readonly staleMs: number;
  /** Give up acquiring after this long: `LockError('acquire-timeout')`. */
  readonly acquireTimeoutMs: number;
  /** Bounds the acquire; once aborted, the acquire rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export interface AcquiredFileLock extends HeldLock {
  release(): Promise<void>;
}

const MIN_RETRY_MS = 10;
const MAX_RETRY_MS = 100;

const errorCode = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

/** Takes the lock at `lockPath` (a directory), retrying with jitter until it is free, stale, or time is up. */
export async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<AcquiredFileLock> {
  const { signal, staleMs, acquireTimeoutMs } = options;
  const ownerPath = `${lockPath}-owner`;
  const owner = randomUUID();
  const lost = new AbortController();
  const deadline = Date.now() + acquireTimeoutMs;
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; release === undefined; attempt += 1) {
    signal?.throwIfAborted();
    try {
      release = await lockDirectory(lockPath, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        retries: 0,
        onCompromised: (error) => lost.abort(new LockError('lost', { cause: error })),
      });
    } catch (error) {
      if (errorCode(error) !== 'ELOCKED') throw new LockError('unavailable', { cause: error });
      const left = deadline - Date.now();
      if (left <= 0) throw new LockError('acquire-timeout');
      const backoff = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.min(attempt, 4));
      const wait = Math.min(left, backoff / 2 + Math.random() * (backoff / 2));
      // node's abortable sleep rejects with its own AbortError: the caller gets its signal's reason instead.
      await sleep(wait, undefined, { signal }).catch((error: unknown) => {
        throw signal?.aborted ? signal.reason : error;
      });
    }
  }
  try {
    const temp = `${ownerPath}.${owner}.tmp`;
    await fs.writeFile(temp, owner, { mode: 0o600 });
    await fs.rename(temp, ownerPath);
  } catch (error) {
    await release().catch(() => undefined);
    throw new LockError('unavailable', { cause: error });
  }

  const stillOurs = async (): Promise<boolean> => {
    if (lost.signal.aborted) return false;
    try {
      const [current, stat] = await Promise.all([fs.readFile(ownerPath, 'utf8'), fs.stat(lockPath)]);
      // proper-lockfile refreshes the mtime every staleMs / 2: older than 3/4 of the lease means the refresh
      // is late (a paused process) and another process may take the lock over any moment.
      return current === owner && Date.now() - stat.mtimeMs < (staleMs * 3) / 4;
    } catch {
      return false;
    }
  };

  return {
    signal: lost.signal,
    async confirm() {
      if (!(await stillOurs())) {
        const error = new LockError('lost');
        if (!lost.signal.aborted) lost.abort(error);
        throw error;
      }
    },
    async release() {
      // A lock another process took over is not ours to remove: proper-lockfile notices the foreign mtime at
      // its next refresh and forgets it.
      const ours = await fs.readFile(ownerPath, 'utf8').then(
        (current) => current === owner,
        () => false,
      );
      if (!ours || lost.signal.aborted) return;
      await fs.rm(ownerPath, { force: true }).catch(() => undefined);
      await release?.().catch(() => undefined);
    },
  };
}
