/**
 * Which URLs get the token, in got's terms: the origin policy fixed when the options are attached to a client, the
 * client's base URL then, and the request's URL as the text the policy decides on.
 */
import type { OriginPolicy } from '@tokenrelay/core/adapter-kit';

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
  if (url instanceof URL) return url.href;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
};

/** The policy of one attachment, and its answer for every URL on the origin of the client's base URL. */
export interface Attachment {
  readonly base: string | undefined;
  readonly policy: OriginPolicy;
  /** `scheme://authority/` of the base URL, as a URL's `href` writes it; `undefined` without a usable base. */
  readonly basePrefix: string | undefined;
  /** The policy's answer for the base URL's origin. */
  readonly baseAllowed: boolean;
}

export const attach = (base: string | undefined, policy: OriginPolicy): Attachment => {
  let basePrefix: string | undefined;
  try {
    basePrefix = base === undefined ? undefined : new URL('/', base).href;
  } catch {
    basePrefix = undefined;
  }
  return { base, policy, basePrefix, baseAllowed: basePrefix !== undefined && policy(basePrefix) };
};
