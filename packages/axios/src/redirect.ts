/**
 * Redirects in node. axios follows them with follow-redirects, which drops `Authorization` when the host changes but
 * keeps it for a subdomain, and never drops a custom header name; axios 1.7 adds nothing to that. The token must
 * never reach another origin by a redirect, so every request that carries it gets a `beforeRedirect` hook (run
 * after the caller's own one) that removes the header when the next hop's origin is not allowed. Browsers and the
 * fetch adapter follow redirects themselves; the Fetch standard drops `Authorization` on a cross-origin redirect.
 */
import type { OriginPolicy } from '@tokenrelay/core';

type Hook = (options: Record<string, unknown>, ...rest: never[]) => void;

interface RedirectOptions {
  href?: unknown;
  protocol?: unknown;
  hostname?: unknown;
  host?: unknown;
  port?: unknown;
  path?: unknown;
  headers?: unknown;
}

/** The URL follow-redirects is about to request, from the options it hands to `beforeRedirect`. */
const nextHop = (options: RedirectOptions): string | undefined => {
  if (typeof options.href === 'string') return options.href;
  if (typeof options.protocol !== 'string') return undefined;
  const host =
    typeof options.hostname === 'string'
      ? `${options.hostname}${options.port === undefined || options.port === '' ? '' : `:${String(options.port)}`}`
      : typeof options.host === 'string'
        ? options.host
        : undefined;
  return host === undefined ? undefined : `${options.protocol}//${host}/`;
};

const stripHeader = (headers: unknown, headerName: string): void => {
  if (typeof headers !== 'object' || headers === null) return;
  const lower = headerName.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) delete (headers as Record<string, unknown>)[key];
  }
};

export interface RedirectGuard {
  /** Wraps the config's `beforeRedirect` (once; a replayed config is not wrapped twice). */
  readonly wrap: <H extends Hook>(hook: H | undefined) => H;
}

export function createRedirectGuard(policy: OriginPolicy, headerName: string): RedirectGuard {
  // The caller's own hook behind each wrapper we made, so a config that comes back for a replay is unwrapped first.
  const wrappers = new WeakMap<Hook, Hook | undefined>();
  const guard = (own: Hook | undefined): Hook => {
    const wrapper = (options: Record<string, unknown>, ...rest: never[]): void => {
      own?.(options, ...rest);
      const url = nextHop(options as RedirectOptions);
      if (url === undefined || !policy(url)) stripHeader(options.headers, headerName);
    };
    wrappers.set(wrapper, own);
    return wrapper;
  };
  // Most requests have no hook of their own: they all share one guard.
  const alone = guard(undefined);
  return {
    wrap<H extends Hook>(hook: H | undefined): H {
      const own = hook !== undefined && wrappers.has(hook) ? wrappers.get(hook) : hook;
      return (own === undefined ? alone : guard(own)) as H;
    },
  };
}
