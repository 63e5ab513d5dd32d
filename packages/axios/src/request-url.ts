import { type OriginPolicy, pageUrl } from '@tokenrelay/core/adapter-kit';
import type { AxiosRequestConfig } from 'axios';
import type { AxiosInstanceLike } from './options.ts';

type UriConfig = AxiosRequestConfig & { allowAbsoluteUrls?: boolean | undefined };

/** axios's own test (`isAbsoluteURL`): `scheme://` or `//` at the start. */
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * No `:` before the first `/`, `?` or `#`: nothing that could read as a scheme, so every axios version joins it to
 * `baseURL` the same way, and the "missing // after the protocol" check of newer versions cannot fire.
 */
const PLAIN_RELATIVE = /^[^:/?#]*(?:[/?#]|$)/;

const SLASH = 0x2f;

const isPlain = (url: string): boolean => ABSOLUTE.test(url) || PLAIN_RELATIVE.test(url);

/**
 * axios's `combineURLs`: `baseURL` without its trailing slashes, one `/`, `url` without its leading ones. (axios 1.7
 * strips at most two trailing slashes: only the path can differ, never the origin.)
 */
const combine = (baseURL: string, url: string): string => {
  if (url === '') return baseURL;
  let end = baseURL.length;
  while (end > 0 && baseURL.charCodeAt(end - 1) === SLASH) end -= 1;
  let start = 0;
  while (start < url.length && url.charCodeAt(start) === SLASH) start += 1;
  return `${baseURL.slice(0, end)}/${url.slice(start)}`;
};

/**
 * `baseURL` + `url` joined as axios joins them, from the config axios already merged; `undefined` when the case is
 * one that axios versions treat differently (`allowAbsoluteUrls: false` with an absolute `url`: 1.8+ joins them,
 * 1.7 does not), or that a version rejects (a scheme without `//`), or that is not a string.
 */
export function joinedUrl(config: UriConfig): string | undefined {
  const { baseURL, url } = config;
  if (typeof url !== 'string' || !isPlain(url)) return undefined;
  if (baseURL === undefined || baseURL === null || baseURL === '') return url;
  if (typeof baseURL !== 'string' || !isPlain(baseURL)) return undefined;
  if (!ABSOLUTE.test(url)) return combine(baseURL, url);
  return config.allowAbsoluteUrls === false ? undefined : url;
}

/**
 * The URL axios will request (its origin is what counts): `baseURL` + `url` by axios's own rules, so an absolute
 * `url` wins unless `allowAbsoluteUrls: false`, on the axios versions that have that option. `undefined` when it
 * cannot be resolved (axios will then fail the request itself).
 *
 * The config is the one axios merged for this request, so the common cases are joined here (`joinedUrl`); the rest
 * go through `instance.getUri`, which merges the config with the instance defaults a second time and applies the
 * rules of the axios version at hand.
 */
export function requestUrl(instance: AxiosInstanceLike, config: UriConfig): string | URL | undefined {
  const page = pageUrl();
  const joined = joinedUrl(config);
  // Outside a browser there is nothing to resolve against: a valid string goes to the origin policy as it is, which
  // makes the one URL object (`URL.canParse` makes none: a `'*'` policy takes anything, so validity is checked here).
  if (joined !== undefined && page === undefined) return URL.canParse(joined) ? joined : undefined;
  // `baseURL: ''` when the config has none, so that getUri does not put the instance's default back.
  const uri: UriConfig = { baseURL: config.baseURL ?? '' };
  if (config.url !== undefined) uri.url = config.url;
  if (config.allowAbsoluteUrls !== undefined) uri.allowAbsoluteUrls = config.allowAbsoluteUrls;
  try {
    return new URL(joined ?? instance.getUri(uri as never), page);
  } catch {
    return undefined;
  }
}

/** The instance's `baseURL` as an absolute URL, for the default origin policy. */
export function baseUrlOf(instance: AxiosInstanceLike): string | URL | undefined {
  const base = instance.defaults.baseURL;
  if (typeof base !== 'string' || base === '') return undefined;
  try {
    return new URL(base, pageUrl());
  } catch {
    return base; // createOriginPolicy reports it as a ConfigurationError
  }
}

/** How many `baseURL`s an attachment remembers a decision for (a bound: beyond it, decisions are made per request). */
const ORIGIN_CACHE_SIZE = 64;

export interface OriginCache {
  /**
   * For a relative `url` under an absolute `baseURL` (outside a browser): `false` when the token must not go there,
   * else a URL of the same origin as the request (its `baseURL`). `undefined` when the request is another case, to be
   * resolved in full (`requestUrl`).
   */
  readonly decide: (config: UriConfig) => string | false | undefined;
}

/**
 * Origin decisions remembered per `baseURL`. A relative `url` (no scheme, no `//`, no `:` before its first `/`, `?`
 * or `#`) is joined after a `/` that ends the base's authority, so the request's origin is the base's whatever the
 * path: one decision per `baseURL` holds for all of them, and saves a URL parse per request.
 */
export function createOriginCache(policy: OriginPolicy): OriginCache {
  const decisions = new Map<string, string | false>();
  const decideBase = (baseURL: string): string | false => {
    let allowed: boolean;
    try {
      const base = new URL(baseURL);
      allowed = base.origin !== 'null' && base.host !== '' && policy(base);
    } catch {
      allowed = false;
    }
    return allowed ? baseURL : false;
  };
  // The last (url, baseURL) decided, with its decision: a client sending the same request again compares two strings.
  let last: { readonly url: string; readonly baseURL: string; readonly decision: string | false } | undefined;
  return {
    decide(config) {
      const { baseURL, url } = config;
      if (last !== undefined && url === last.url && baseURL === last.baseURL && pageUrl() === undefined) {
        return last.decision;
      }
      if (typeof url !== 'string' || typeof baseURL !== 'string' || baseURL === '') return undefined;
      if (ABSOLUTE.test(url) || !PLAIN_RELATIVE.test(url) || !ABSOLUTE.test(baseURL)) return undefined;
      if (pageUrl() !== undefined) return undefined;
      let decision = decisions.get(baseURL);
      if (decision === undefined) {
        decision = decideBase(baseURL);
        if (decisions.size < ORIGIN_CACHE_SIZE) decisions.set(baseURL, decision);
      }
      last = { url, baseURL, decision };
      return decision;
    },
  };
}
