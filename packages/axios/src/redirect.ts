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
   * header where the policy does not allow it). The wrapper carries `mark` (see `markOf`).
   */
  readonly wrap: <H extends Hook>(hook: H | undefined, url: string | URL, mark: object) => H;
  /** For requests that interceptors may change after ours: see `GuardKeeper`. */
  readonly keeper: () => GuardKeeper;
}

/**
 * Puts the guard back at dispatch on a request whose `beforeRedirect` an interceptor that runs after ours replaced
 * (or removed): with the same mark, after that interceptor's own hook. It rides on the request's `transformRequest`,
 * which axios runs on the final config after every interceptor, whatever object they returned (the config's own
 * key for it is a symbol: spreading the config keeps it, and loggers and axios's `mergeConfig` leave it out).
 */
export interface GuardKeeper {
  keep(
    config: { beforeRedirect?: unknown; transformRequest?: unknown },
    url: string | URL,
    mark: object,
  ): void;
}

/** On each wrapper we made: the caller's own hook behind it, so a config that comes back for a replay is unwrapped. */
const OWN = Symbol('tokenRelay.ownBeforeRedirect');
/** On each wrapper we made: the request state it was made for (request-state.ts). */
const MARK = Symbol('tokenRelay.mark');
/** On follow-redirects' options (one object per request, kept across its hops): the hop before the next one. */
const PREVIOUS = Symbol('tokenRelay.previousHop');

type Wrapper = Hook & { [OWN]?: Hook | undefined; [MARK]?: object };

/**
 * The mark on a `beforeRedirect` hook, when it is a wrapper of ours. Every request that carries a token has one,
 * so the request's state rides on it instead of a key of its own on axios's config: one property less to add to
 * every config, about half a point of a sequential request's time in the steady-state bench (issue 13).
 */
export function markOf(hook: unknown): object | undefined {
  return typeof hook === 'function' ? (hook as Wrapper)[MARK] : undefined;
}

/** The caller's own hook behind a wrapper of ours, or the hook itself. */
export function unwrapped(hook: unknown): unknown {
  return typeof hook === 'function' && OWN in hook ? (hook as Wrapper)[OWN] : hook;
}

type HopState = { [PREVIOUS]?: { readonly at: string | URL | undefined } };

/** At most this many shared wrappers (one per request URL the origin decision returned) per attachment. */
const MAX_SHARED_WRAPPERS = 64;

export function createRedirectGuard(policy: OriginPolicy, headerName: string): RedirectGuard {
  const token = headerName.toLowerCase();
  const make = (own: Hook | undefined, url: string | URL, mark: object): Wrapper => {
    const wrapper: Wrapper = (options: Record<string, unknown>, ...rest: never[]): void => {
      own?.(options, ...rest);
      // follow-redirects hands over the next hop only: the previous one is kept on its options, per request.
      const state = options as HopState;
      const previous = state[PREVIOUS] === undefined ? url : state[PREVIOUS].at;
      const next = nextHop(options as RedirectOptions);
      deleteHeaders(
        options.headers,
        next === undefined
          ? [...CREDENTIAL_HEADERS, token]
          : headersToDrop(previous, next, policy, headerName),
      );
      Object.defineProperty(state, PREVIOUS, { value: { at: next }, configurable: true, writable: true });
    };
    wrapper[OWN] = own;
    wrapper[MARK] = mark;
    return wrapper;
  };
  // Requests without a hook of their own share one wrapper per URL and mark (a mark is shared by the requests that
  // sent the same token): it keeps no state of its own.
  const shared = new Map<string, Wrapper>();
  const wrap = <H extends Hook>(hook: H | undefined, url: string | URL, mark: object): H => {
    const own = unwrapped(hook) as Hook | undefined;
    if (own !== undefined || typeof url !== 'string') return make(own, url, mark) as H;
    let wrapper = shared.get(url);
    if (wrapper?.[MARK] !== mark) {
      wrapper = make(undefined, url, mark);
      if (shared.size < MAX_SHARED_WRAPPERS || shared.has(url)) shared.set(url, wrapper);
    }
    return wrapper as H;
  };
  const keeper = (): GuardKeeper => {
    // One key per keeper: two attachments on one instance keep their own guards.
    const KEPT = Symbol('tokenRelay.keptGuard');
    type Kept = { [KEPT]?: { readonly url: string | URL; readonly mark: object }; beforeRedirect?: unknown };
    // Called by axios as `transformRequest`, with the final config as `this`.
    function restore(this: unknown, data: unknown): unknown {
      const config = this as Kept | undefined;
      const kept = config?.[KEPT];
      if (config !== undefined && kept !== undefined && markOf(config.beforeRedirect) !== kept.mark) {
        config.beforeRedirect = wrap(config.beforeRedirect as Hook | undefined, kept.url, kept.mark);
      }
      return data;
    }
    return {
      keep(config, url, mark) {
        (config as Kept)[KEPT] = { url, mark };
        const transforms = config.transformRequest;
        const list = Array.isArray(transforms) ? transforms : transforms === undefined ? [] : [transforms];
        if (!list.includes(restore)) config.transformRequest = [...list, restore];
      },
    };
  };
  return { keeper, wrap };
}
