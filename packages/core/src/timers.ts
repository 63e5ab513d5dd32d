/**
 * The one timer helper the manager uses: any delay on the injected clock, `unref`'d unless someone waits on it.
 */
import { unrefTimer } from './clock.ts';
import type { Clock, TimerHandle } from './types.ts';

/** Node's timers take a 32-bit delay and fire a longer one after 1 ms: longer delays are chained. */
export const MAX_TIMER_MS = 2_147_483_647;

export interface TimerOptions {
  /**
   * Keep the process alive while the timer is pending (a request waits on it). Default false: the timer is
   * `unref`'d, so a timer nobody waits on never keeps a process alive.
   */
  readonly keepAlive?: boolean | undefined;
}

/**
 * Calls `callback` once after `ms` on `clock` and returns a cancel function. Delays of 2^31 ms and more are
 * chained; `Infinity` never fires (with `keepAlive`, it still holds the process until cancelled).
 */
export function startTimer(
  clock: Clock,
  ms: number,
  callback: () => void,
  options: TimerOptions = {},
): () => void {
  const keepAlive = options.keepAlive === true;
  let handle: TimerHandle | undefined;
  let cancelled = false;
  const arm = (remaining: number): void => {
    const step = Math.min(Math.max(0, remaining), MAX_TIMER_MS);
    handle = clock.setTimeout(() => {
      handle = undefined;
      if (cancelled) return;
      const left = remaining - step;
      if (left > 0) arm(left);
      else callback();
    }, step);
    if (!keepAlive) unrefTimer(handle);
  };
  if (Number.isFinite(ms) || keepAlive) arm(Number.isNaN(ms) ? 0 : ms);
  return () => {
    cancelled = true;
    if (handle !== undefined) clock.clearTimeout(handle);
    handle = undefined;
  };
}
