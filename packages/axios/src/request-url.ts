import type { AxiosInstance, AxiosRequestConfig } from 'axios';

type UriConfig = AxiosRequestConfig & { allowAbsoluteUrls?: boolean | undefined };

/** Where `location` exists (browsers), relative URLs resolve against it, as axios's browser adapters do. */
const pageUrl = (): string | undefined => {
  const location = (globalThis as { location?: { href?: unknown } }).location;
  return typeof location?.href === 'string' ? location.href : undefined;
};

/**
 * The URL axios will request: `baseURL` + `url` by axios's own rules (`instance.getUri`), so an absolute `url` wins
 * unless `allowAbsoluteUrls: false`, on the axios versions that have that option. `undefined` when it cannot be
 * resolved (axios will then fail the request itself).
 */
export function requestUrl(instance: AxiosInstance, config: UriConfig): URL | undefined {
  // `baseURL: ''` when the config has none, so that getUri does not put the instance's default back.
  const uri: UriConfig = { baseURL: config.baseURL ?? '' };
  if (config.url !== undefined) uri.url = config.url;
  if (config.allowAbsoluteUrls !== undefined) uri.allowAbsoluteUrls = config.allowAbsoluteUrls;
  try {
    return new URL(instance.getUri(uri), pageUrl());
  } catch {
    return undefined;
  }
}

/** The instance's `baseURL` as an absolute URL, for the default origin policy. */
export function baseUrlOf(instance: AxiosInstance): string | URL | undefined {
  const base = instance.defaults.baseURL;
  if (typeof base !== 'string' || base === '') return undefined;
  try {
    return new URL(base, pageUrl());
  } catch {
    return base; // createOriginPolicy reports it as a ConfigurationError
  }
}
