import { MAX_LATENCY_MS } from '@tokenrelay/msw';

export { MAX_LATENCY_MS };

/** Waits `ms` real milliseconds (clamped to 0..MAX_LATENCY_MS); returns early when `signal` aborts. */
export function realDelay(ms: number, signal?: AbortSignal): Promise<void> {
  const bounded = Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_LATENCY_MS) : 0;
  if (bounded === 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, bounded);
    signal?.addEventListener('abort', done, { once: true });
  });
}
