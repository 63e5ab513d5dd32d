/**
 * fetch drops Authorization on a redirect to another origin (WHATWG Fetch), but forwards any other header: with a
 * custom header, a request that carries it and would follow redirects is sent with `redirect: 'manual'`, and its
 * redirects are followed by the kit (the token header and the credential headers dropped on a change of origin, the
 * token put back only where the policy allows).
 */
import type { AccessToken } from '@tokenrelay/core';
import {
  type FetchLike,
  followRedirects,
  isRedirect,
  isRequest,
  type OriginPolicy,
} from '@tokenrelay/core/adapter-kit';

export interface RedirectRules {
  readonly policy: OriginPolicy;
  readonly headerName: string;
  readonly headerValue: (token: AccessToken) => string;
}

/** Sends `input` with `underlying`, following its redirects by the kit's rules when it carries `sent`. */
export async function sendFollowing(
  rules: RedirectRules,
  underlying: FetchLike,
  sent: AccessToken | undefined,
  input: RequestInfo | URL,
  requestInit: RequestInit | undefined,
): Promise<Response> {
  if (sent === undefined || !isRequest(input) || input.redirect !== 'follow')
    return underlying(input, requestInit);
  const spare = input.body === null ? undefined : input.clone();
  const response = await underlying(new Request(input, { redirect: 'manual' }), requestInit);
  if (!isRedirect(response)) return response;
  const {
    method: _method,
    headers: _headers,
    body: _body,
    redirect: _redirect,
    ...carry
  } = requestInit ?? {};
  const followed = await followRedirects(
    response,
    { url: new URL(input.url), method: input.method, headers: new Headers(input.headers), withBody: true },
    {
      fetch: underlying,
      isAllowed: rules.policy,
      headerName: rules.headerName,
      headerValue: rules.headerValue(sent),
      carry: { ...carry, signal: input.signal },
      body: async () => (spare === undefined ? undefined : spare.clone().arrayBuffer()),
      opaqueHint:
        "give requests with a custom `headerName` `redirect: 'manual'` or `redirect: 'error'` there",
    },
  );
  return followed.response;
}
