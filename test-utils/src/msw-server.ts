import type { AnyHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';

/** A strict msw `setupServer` for the repo's tests. */

export interface MswServer {
  readonly server: SetupServer;
  /** Stops interception; safe to call twice. */
  close(): void;
  [Symbol.dispose](): void;
}

/** Something that carries msw handlers, such as an `OAuthServer`. */
export interface HasHandlers {
  readonly handlers: readonly AnyHandler[];
}

/**
 * Starts msw's `setupServer` with `onUnhandledFrame: 'error'` (an unmatched request fails the test).
 * Call it in `beforeAll` and `close()` it in `afterAll`.
 */
export function startMsw(...sources: Array<AnyHandler | HasHandlers>): MswServer {
  const handlers = sources.flatMap((source) => ('handlers' in source ? [...source.handlers] : [source]));
  const server = setupServer(...handlers);
  server.listen({ onUnhandledFrame: 'error' });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    server.close();
  };
  return { server, close, [Symbol.dispose]: close };
}
