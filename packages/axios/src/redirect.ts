/**
 * Redirects in node. axios follows them with follow-redirects, which drops `Authorization` when the host changes but
 * keeps it for a subdomain, and never drops a custom header name; axios 1.7 adds nothing to that. The token must
 * never reach another origin by a redirect, so every request that carries it gets a `beforeRedirect` hook (run
 * after the caller's own one) that removes the header when the next hop's origin is not allowed. Browsers and the
 * fetch adapter follow redirects themselves; the Fetch standard drops `Authorization` on a cross-origin redirect.
 */
import {
  CREDENTIAL_HEADERS,
  deleteHeaders,
  headersToDrop,
  type OriginPolicy,
} from '@tokenrelay/core/adapter-kit';

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

export interface RedirectGuard {
  /**
   * Wraps the config's `beforeRedirect` (once; a replayed config is not wrapped twice) for a request to `url`: each
   * hop drops what the kit's rule says (credential headers and the token header on a change of origin, the token
   * header where the policy does not allow it).
   */
  readonly wrap: <H extends Hook>(hook: H | undefined, url: string | URL) => H;
}

/** On each wrapper we made: the caller's own hook behind it, so a config that comes back for a replay is unwrapped. */
const OWN = Symbol('tokenRelay.ownBeforeRedirect');

type Wrapper = Hook & { [OWN]?: Hook | undefined };

export function createRedirectGuard(policy: OriginPolicy, headerName: string): RedirectGuard {
  const token = headerName.toLowerCase();
  return {
    wrap<H extends Hook>(hook: H | undefined, url: string | URL): H {
      const own = hook !== undefined && OWN in hook ? (hook as Wrapper)[OWN] : hook;
      // follow-redirects hands over the next hop only: the previous one is remembered here, per request.
      let previous: string | URL | undefined = url;
      const wrapper: Wrapper = (options: Record<string, unknown>, ...rest: never[]): void => {
        own?.(options, ...rest);
        const next = nextHop(options as RedirectOptions);
        deleteHeaders(
          options.headers,
          next === undefined
            ? [...CREDENTIAL_HEADERS, token]
            : headersToDrop(previous, next, policy, headerName),
        );
        previous = next;
      };
      wrapper[OWN] = own;
      return wrapper as H;
    },
  };
}
