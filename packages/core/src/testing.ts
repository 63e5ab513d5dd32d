/**
 * `@tokenrelay/core/testing`: a fake clock for tests of code that uses a token manager. Time moves only when told.
 */
import type { Clock, TimerHandle } from './types.ts';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order; awaits microtasks between timers. */
  advance(ms: number): Promise<void>;
  /** Sets the wall clock without firing timers (an NTP step or a suspended laptop). */
  jump(ms: number): void;
  /** Timers still pending. */
  readonly pending: number;
}

const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A clock for tests: time moves only when told. Timers fire in due order during `advance`. */
export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  // `monotonic` is what timers are scheduled on; `jump` changes only the wall clock, as a real step does.
  let monotonic = 0;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  return {
    now: () => now,
    setTimeout(callback: () => void, ms: number): TimerHandle {
      const id = nextId++;
      timers.set(id, { id, at: monotonic + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle: TimerHandle): void {
      timers.delete(handle as number);
    },
    async advance(ms: number): Promise<void> {
      const target = monotonic + ms;
      await flushMicrotasks();
      for (let guard = 0; guard < 100_000; guard += 1) {
        let next: Timer | undefined;
        for (const timer of timers.values()) if (!next || timer.at < next.at) next = timer;
        if (!next || next.at > target) break;
        timers.delete(next.id);
        now += next.at - monotonic;
        monotonic = next.at;
        next.callback();
        await flushMicrotasks();
      }
      now += target - monotonic;
      monotonic = target;
      await flushMicrotasks();
    },
    jump(ms: number): void {
      now += ms;
    },
    get pending() {
      return timers.size;
    },
  };
}
