import type { Clock, TimerHandle } from './types.ts';

/** The real clock: `Date.now()` and the global timers. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (callback: () => void, ms: number): TimerHandle => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle: TimerHandle): void =>
      globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** Calls `unref()` on a timer handle when it has one, so a pending timer never keeps a process alive. */
export function unrefTimer(handle: TimerHandle): TimerHandle {
  const maybe = handle as { unref?: () => unknown } | null;
  if (maybe && typeof maybe === 'object' && typeof maybe.unref === 'function') maybe.unref();
  return handle;
}
