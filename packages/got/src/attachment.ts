/**
 * The URLs the origin policy decides on, in got's terms: the client's base URL (`prefixUrl`) when the options are
 * attached to it, and the request's URL as text.
 */

/** got's `prefixUrl` ('' when unset) as a string, or `undefined`. */
export const prefixOf = (options: { readonly prefixUrl?: string | URL | undefined }): string | undefined =>
  options.prefixUrl ? String(options.prefixUrl) : undefined;

/**
 * The request's URL as an absolute `href`, or `undefined`. A string, not the `URL`: the origin policy remembers its
 * answer per `scheme://authority` prefix of a string, while a `URL` object would be parsed again on every call.
 */
export const hrefOf = (options: { readonly url?: string | URL | undefined }): string | undefined => {
  const { url } = options;
  if (url === undefined) return undefined;
  // got hands hooks a `URL`; `typeof` rather than `instanceof URL`, which looks up the global on every request.
  if (typeof url !== 'string') return url.href;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
};
