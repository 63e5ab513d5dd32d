/**
 * The lease lock of one grant, after the Redis docs' single-instance pattern: `SET lock <owner> NX PX <lease>`,
 * extended by a watchdog with a compare-and-pexpire script, released with a compare-and-delete script. Waiters
 * wake on the release message and otherwise poll with jitter, bounded by the acquire timeout.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, type HeldLock, LockError, type StoreCallOptions } from '@tokenrelay/core';
import { sleep } from './bounded.ts';
import type { Connection } from './connection.ts';
import { EXTEND_LOCK, RELEASE_LOCK } from './scripts.ts';

export interface LockSettings {
  readonly leaseMs: number;
  readonly acquireTimeoutMs: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
  readonly clock: Clock;
  readonly random: () => number;
}

export interface LockTarget {
  readonly key: string;
  readonly channel: string;
  /** The message the release publishes on `channel`. */
  readonly releasedMessage: string;
  /** Calls `wake` when another holder releases the lock. */
  onReleased(wake: () => void): { readonly ready: Promise<void>; stop(): void };
}

const acquire = async (
  connection: Connection,
  target: LockTarget,
  settings: LockSettings,
  owner: string,
  signal: AbortSignal | undefined,
): Promise<number> => {
  const { clock } = settings;
  const deadline = clock.now() + settings.acquireTimeoutMs;
  let listening: ReturnType<LockTarget['onReleased']> | undefined;
  let wake = (): void => {};
  try {
    // Bounded: every pass ends in a return, a throw, or a sleep that the deadline cuts short.
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const startedAt = clock.now();
      let reply: unknown;
      try {
        reply = await connection.send(
          ['SET', target.key, owner, 'NX', 'PX', String(settings.leaseMs)],
          signal,
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new LockError('unavailable', { cause: error });
      }
      if (reply === 'OK') return startedAt;
      const left = deadline - clock.now();
      if (left <= 0) throw new LockError('acquire-timeout');
      if (listening === undefined) {
        // Subscribe once contended, then try again at once: a release between the failed SET and the
        // subscription would otherwise go unheard until the next poll.
        listening = target.onReleased(() => wake());
        await sleepUntilSettled(listening.ready, Math.min(left, settings.pollMaxMs), clock, signal);
        continue;
      }
      const jitter = settings.pollMinMs + settings.random() * (settings.pollMaxMs - settings.pollMinMs);
      const nap = sleep(Math.min(left, jitter), clock, signal);
      wake = nap.wake;
      await nap.done;
    }
  } finally {
    listening?.stop();
  }
};

const sleepUntilSettled = async (
  work: Promise<void>,
  ms: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<void> => {
  const nap = sleep(ms, clock, signal);
  await Promise.race([work.catch(() => {}), nap.done]);
  nap.wake();
};

/** Runs `fn` while this process holds the grant's lock. */
export async function withLock<T>(
  connection: Connection,
  target: LockTarget,
  settings: LockSettings,
  fn: (lock: HeldLock) => Promise<T>,
  options?: StoreCallOptions,
): Promise<T> {
  const { clock, leaseMs } = settings;
  const owner = randomBytes(16).toString('hex');
  const acquiredAt = await acquire(connection, target, settings, owner, options?.signal);

  const lost = new AbortController();
  let validUntil = acquiredAt + leaseMs;
  let released = false;
  let lostTimer: unknown;
  let watchdog: unknown;
  const stopTimers = (): void => {
    clock.clearTimeout(lostTimer);
    clock.clearTimeout(watchdog);
  };
  const markLost = (cause?: unknown): void => {
    stopTimers();
    if (!lost.signal.aborted) lost.abort(new LockError('lost', cause === undefined ? undefined : { cause }));
  };
  const armLostTimer = (): void => {
    clock.clearTimeout(lostTimer);
    lostTimer = clock.setTimeout(() => markLost(), Math.max(0, validUntil - clock.now()));
  };

  /** Compare-and-pexpire; true while the lock is ours. */
  const extend = async (): Promise<boolean> => {
    const startedAt = clock.now();
    const left = await connection.run(EXTEND_LOCK, [target.key], [owner, String(leaseMs)], lost.signal);
    if (left < 0) {
      markLost();
      return false;
    }
    validUntil = startedAt + leaseMs;
    armLostTimer();
    return true;
  };
  const scheduleWatchdog = (ms: number): void => {
    watchdog = clock.setTimeout(() => {
      extend().then(
        (ours) => {
          if (ours && !released) scheduleWatchdog(leaseMs / 3);
        },
        () => {
          // Redis failed or was slow: try again soon; the lost timer fires if the lease runs out first.
          if (!released && !lost.signal.aborted) scheduleWatchdog(leaseMs / 10);
        },
      );
    }, ms);
  };
  armLostTimer();
  scheduleWatchdog(leaseMs / 3);

  const held: HeldLock = {
    signal: lost.signal,
    async confirm() {
      if (lost.signal.aborted) throw lost.signal.reason;
      if (clock.now() >= validUntil) {
        markLost();
        throw lost.signal.reason;
      }
      let ours: boolean;
      try {
        ours = await extend();
      } catch (error) {
        if (lost.signal.aborted) throw lost.signal.reason;
        throw new LockError('unavailable', { cause: error });
      }
      if (!ours) throw lost.signal.reason;
    },
  };

  try {
    return await fn(held);
  } finally {
    released = true;
    stopTimers();
    if (!lost.signal.aborted) {
      // The lease runs out by itself when the release cannot be sent; never fail the caller over it.
      await connection
        .run(RELEASE_LOCK, [target.key], [owner, target.channel, target.releasedMessage])
        .catch(() => {});
    }
  }
}
