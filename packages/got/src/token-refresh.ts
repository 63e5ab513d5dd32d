/**
 * `tokenRefresh(manager)`: got hooks that put the manager's token on requests to allowed origins, and on a 401
 * refresh once and replay once with got's own `retryWithMergedOptions`. Every decision (freshness, whether a 401
 * is stale, what an error means, which origins, which responses) is the core's; this file only translates.
 */
import {
  type AccessToken,
  adapterSettings,
  type CommonAdapterOptions,
  NotReplayableError,
  type OriginPolicy,
  type TokenManager,
} from '@tokenrelay/core';
import type {
  AfterResponseHook,
  BeforeRedirectHook,
  BeforeRequestHook,
  ExtendOptions,
  HandlerFunction,
} from 'got';
import { hideOptionsBeforeError, hidingOptionsOnRejection } from './redact-errors.ts';
import {
  createChainRegistry,
  isNonReplayableBody,
  type RequestChain,
  type SentToken,
} from './request-chain.ts';

/**
 * What `tokenRefresh()` returns: handlers and hooks for `got.extend()`. Narrower than got's `ExtendOptions`, so
 * the instance `extend()` builds keeps its response types (`resolveBodyOnly`, `responseType` untouched).
 */
export type GotTokenRefreshExtension = Required<Pick<ExtendOptions, 'handlers' | 'hooks'>>;

/** Options of `tokenRefresh()`. */
export interface GotTokenRefreshOptions extends CommonAdapterOptions {}

/**
 * The per-request switch, read from got's `context` option: `context: { tokenRelay: false }` sends that request
 * (its redirects and retries included) without a token and never refreshes for it.
 */
export interface TokenRelayContext {
  readonly tokenRelay?: false | undefined;
}

type HookOptions = Parameters<BeforeRequestHook>[0];

const optedOut = (options: { readonly context: object }): boolean =>
  (options.context as TokenRelayContext).tokenRelay === false;

/** got's `prefixUrl` ('' when unset) as a string, or `undefined`. */
const prefixOf = (options: { readonly prefixUrl: string | URL }): string | undefined =>
  options.prefixUrl ? String(options.prefixUrl) : undefined;

/**
 * The request's URL as an absolute `href`, or `undefined`. A string, not the `URL`: the origin policy remembers its
 * answer per `scheme://authority` prefix of a string, while a `URL` object would be parsed again on every call.
 */
const hrefOf = (options: HookOptions): string | undefined => {
  const { url } = options;
  if (url === undefined) return undefined;
  if (url instanceof URL) return url.href;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
};

/**
 * Options for `got.extend()`:
 *
 *     const api = got.extend({ prefixUrl: 'https://api.example.com/v1' }, tokenRefresh(manager));
 *
 * `origins` defaults to the origin of the request's `prefixUrl`; a request without a `prefixUrl` and no
 * `origins` option fails with a `ConfigurationError` (as `error.cause`), so a token never goes everywhere by
 * default. With `origins` given, it is checked here, at once.
 */
export function tokenRefresh(
  manager: TokenManager,
  options: GotTokenRefreshOptions = {},
): GotTokenRefreshExtension {
  const settings = adapterSettings(options);
  const { shouldRefresh } = settings;
  // got keeps header names lower-cased.
  const header = settings.headerName.toLowerCase();
  const chains = createChainRegistry();

  // Once per got() call, before got builds the request: a new chain, even if these options were made from an
  // earlier request's (got.paginate does that; got 14 has cleared their prefixUrl after a replay, so the earlier
  // chain's is kept). Promise rejections leave with `options` hidden.
  const handler: HandlerFunction = (requestOptions, next) => {
    if (requestOptions !== undefined && !optedOut(requestOptions)) {
      const prefixUrl = prefixOf(requestOptions) ?? chains.get(requestOptions)?.prefixUrl;
      chains.start(requestOptions, prefixUrl);
    }
    const result = next(requestOptions);
    return hidingOptionsOnRejection(result, requestOptions?.isStream === true) as typeof result;
  };

  /** The chain of these options; a request that did not pass through our handler gets one here. */
  const chainOf = (requestOptions: HookOptions): RequestChain =>
    chains.get(requestOptions) ?? chains.start(requestOptions, prefixOf(requestOptions));

  /** `origins`, or the chain's prefixUrl origin; a `ConfigurationError` (thrown in the hook) with neither. */
  const policyOf = (chain: RequestChain): OriginPolicy => {
    chain.policy ??= settings.policyFor(chain.prefixUrl);
    return chain.policy;
  };

  /** Removes the header only when it is the one we put there: a header the caller set is theirs. */
  const stripOurHeader = (requestOptions: HookOptions, chain: RequestChain): void => {
    if (chain.sent !== undefined && requestOptions.headers[header] === chain.sent.value) {
      delete requestOptions.headers[header];
    }
    chain.sent = undefined;
  };

  const beforeRequest: BeforeRequestHook = async (requestOptions) => {
    if (optedOut(requestOptions)) return;
    const chain = chainOf(requestOptions);
    const url = hrefOf(requestOptions);
    if (url === undefined || !policyOf(chain)(url)) {
      stripOurHeader(requestOptions, chain);
      return;
    }
    let token: AccessToken;
    if (chain.replayWith !== undefined) {
      token = chain.replayWith;
      chain.replayWith = undefined;
    } else {
      token = await manager.getAccessToken({ signal: requestOptions.signal });
    }
    const value = settings.headerValue(token);
    requestOptions.headers[header] = value;
    chain.sent = { value, token: token.token };
  };

  const beforeRedirect: BeforeRedirectHook = (nextOptions) => {
    if (optedOut(nextOptions)) return;
    const chain = chains.get(nextOptions);
    if (chain === undefined) return;
    const url = hrefOf(nextOptions);
    // got strips `authorization` on cross-origin redirects; this also covers a custom header name and origins
    // that are not in the policy although got thinks them the same site.
    if (url === undefined || !policyOf(chain)(url)) stripOurHeader(nextOptions, chain);
  };

  // Synchronous until a response calls for a refresh: the usual response costs no promise of ours.
  const afterResponse: AfterResponseHook = (response, retryWithMergedOptions) => {
    const requestOptions = response.request.options;
    if (optedOut(requestOptions)) return response;
    const chain = chains.get(requestOptions);
    const sent = chain?.sent;
    if (chain === undefined || sent === undefined || chain.replayed) return response;
    const wwwAuthenticate = response.headers['www-authenticate'];
    if (!shouldRefresh({ status: response.statusCode, wwwAuthenticate })) return response;
    // Marked before anything can fail: whatever happens next, this chain is never replayed a second time.
    chain.replayed = true;
    return refreshAndReplay(chain, sent, requestOptions, retryWithMergedOptions);
  };

  const refreshAndReplay = async (
    chain: RequestChain,
    sent: SentToken,
    requestOptions: Parameters<AfterResponseHook>[0]['request']['options'],
    retryWithMergedOptions: Parameters<AfterResponseHook>[1],
  ): Promise<Awaited<ReturnType<AfterResponseHook>>> => {
    const token = await manager.refresh({ failedToken: sent.token, signal: requestOptions.signal });
    if (isNonReplayableBody(requestOptions.body)) {
      throw new NotReplayableError(
        'the request body was a stream or iterator that the first attempt consumed',
      );
    }
    chain.replayWith = token;
    // `preserveHooks` keeps every afterResponse hook (the caller's too) for the replayed response; ours then
    // sees `replayed` and passes the response on.
    return retryWithMergedOptions({
      headers: { [header]: settings.headerValue(token) },
      preserveHooks: true,
    });
  };

  return {
    handlers: [handler],
    hooks: {
      beforeRequest: [beforeRequest],
      beforeRedirect: [beforeRedirect],
      afterResponse: [afterResponse],
      beforeError: [hideOptionsBeforeError],
    },
  };
}
