import type { AnyHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';

/** Test helpers of the kit's own tests. */

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

export interface MswServer {
  readonly server: SetupServer;
  close(): void;
}

/** msw's `setupServer` with `onUnhandledFrame: 'error'` (a request no handler serves fails the test). */
export function startMsw(
  ...sources: Array<AnyHandler | { readonly handlers: readonly AnyHandler[] }>
): MswServer {
  const handlers = sources.flatMap((source) => ('handlers' in source ? [...source.handlers] : [source]));
  const server = setupServer(...handlers);
  // msw 3 names the option onUnhandledFrame, msw 2 onUnhandledRequest (the msw-v2 project runs these tests on msw 2).
  const strict = { onUnhandledFrame: 'error', onUnhandledRequest: 'error' } as const;
  server.listen(strict);
  return { server, close: () => server.close() };
}
