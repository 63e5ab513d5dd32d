import { STATUS_CODES } from 'node:http';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';

/**
 * A scripted failure of the real server's token endpoint, consumed by one `POST` to it (first in, first out).
 * The shapes match the msw emulation's `TokenFault`, so one scenario can drive both servers.
 */
export type TokenEndpointFault =
  /** Answered before the provider sees the request (nothing rotates); `Retry-After` when set. */
  | {
      readonly type: 'status';
      readonly status: number;
      readonly retryAfterSeconds?: number;
      readonly body?: string;
    }
  /** Answered before the provider sees the request, with this body (default status 200). */
  | {
      readonly type: 'malformed';
      readonly body: string;
      readonly contentType?: string;
      readonly status?: number;
    }
  /**
   * The provider handles the request (a refresh token is rotated, the old one consumed), then its answer is
   * replaced by `status` (default 502) or, with `'network-error'`, the connection is dropped.
   */
  | { readonly type: 'lost-after-rotation'; readonly status?: number | 'network-error' }
  /** The connection drops before the provider sees the request. */
  | { readonly type: 'network-error' }
  /** Waits `ms` (real time, at most 60 s) before the provider handles the request. */
  | { readonly type: 'latency'; readonly ms: number };

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
