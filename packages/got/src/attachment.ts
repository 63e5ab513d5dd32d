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

/** The policy of one attachment and the client's base URL it was fixed from. */
export interface Attachment {
  readonly base: string | undefined;
  readonly policy: OriginPolicy;
}

export const attach = (base: string | undefined, policy: OriginPolicy): Attachment => ({ base, policy });
