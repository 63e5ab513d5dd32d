import { STATUS_CODES } from 'node:http';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import type { TokenFault } from '../oauth-types.ts';

/**
 * A scripted failure of the real server's token endpoint, consumed by one `POST` to it (first in, first out): the
 * same shapes as the msw emulation's, so one scenario can drive both servers. `status`, `malformed` and
 * `network-error` are answered before the provider sees the request; `lost-after-rotation` lets the provider rotate
 * the refresh token and then replaces its answer; `latency` waits (real time, at most 60 s).
 */
export type TokenEndpointFault = TokenFault;

const MAX_LATENCY_MS = 60_000;

const dropConnection = (ctx: KoaContext): void => {
  ctx.respond = false;
  ctx.req.socket.destroy();
};

const answer = (ctx: KoaContext, status: number, body: string | undefined, contentType?: string): void => {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  if (body === undefined) {
    ctx.body = STATUS_CODES[status] ?? 'Error';
    ctx.type = 'text/plain';
    return;
  }
  ctx.body = body;
  ctx.type = contentType ?? (body.trimStart().startsWith('{') ? 'application/json' : 'text/plain');
};

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    // Unref'd: a pending latency fault never keeps the test process alive.
    setTimeout(resolve, Math.min(Math.max(0, ms), MAX_LATENCY_MS)).unref();
  });

/** Koa middleware, mounted in front of the provider, that applies `queue`'s faults to `POST tokenPath`. */
export function tokenEndpointFaults(tokenPath: string, queue: TokenEndpointFault[]): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== tokenPath) return next();
    const fault = queue.shift();
    if (fault === undefined) return next();
    switch (fault.type) {
      case 'status':
        if (fault.retryAfterSeconds !== undefined) ctx.set('retry-after', String(fault.retryAfterSeconds));
        answer(ctx, fault.status, fault.body);
        return;
      case 'malformed':
        answer(ctx, fault.status ?? 200, fault.body, fault.contentType);
        return;
      case 'network-error':
        dropConnection(ctx);
        return;
      case 'latency':
        await sleep(fault.ms);
        return next();
      case 'lost-after-rotation':
        await next();
        if (fault.status === 'network-error') dropConnection(ctx);
        else answer(ctx, fault.status ?? 502, undefined);
        return;
    }
  };
}
