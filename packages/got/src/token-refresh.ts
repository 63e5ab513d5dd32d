/**
 * `tokenRefresh(manager)`: got hooks that put the manager's token on requests to allowed origins, and on a 401
 * refresh once and replay once with got's own `retryWithMergedOptions`. Every decision (freshness, whether a 401
 * is stale, what an error means, which origins, which responses, which headers a redirect drops) is the core's;
 * this file only translates.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessToken, TokenManager } from '@tokenrelay/core';
import { ConfigurationError, NotReplayableError } from '@tokenrelay/core';
import {
  adapterSettings,
  type CommonAdapterOptions,
  defaultShouldRefresh,
  deleteHeaders,
  freshToken,
  getAccessTokenWithin,
  headersToDrop,
  isConsumedByFirstSend,
  type ManagerSource,
  managerFor,
  type OriginPolicy,
  refreshWithin,
  tokenFor,
} from '@tokenrelay/core/adapter-kit';
import type {
  AfterResponseHook,
  BeforeRedirectHook,
  BeforeRequestHook,
  ExtendOptions,
  HandlerFunction,
  InitHook,
} from 'got';
import { hrefOf, prefixOf } from './attachment.ts';
import { mayRejectUnseen, redactBeforeError, redactingOnRejection } from './redact-errors.ts';
import { createChainRegistry, type RequestChain } from './request-chain.ts';
import { bounded, hasBudget } from './wait-bound.ts';

/**
 * What `tokenRefresh()` returns: handlers and hooks for `got.extend()`. Narrower than got's `ExtendOptions`, so
 * the instance `extend()` builds keeps its response types (`resolveBodyOnly`, `responseType` untouched).
 */
export type GotTokenRefreshExtension = Required<Pick<ExtendOptions, 'handlers' | 'hooks'>>;

/** Options of `tokenRefresh()`. */
export interface GotTokenRefreshOptions extends CommonAdapterOptions {}

/** got's options as the hooks see them: what a manager resolver is called with. */
export type GotRequestOptions = Parameters<BeforeRequestHook>[0];

/**
 * The manager of each request: one `TokenManager`, or a resolver called with the request's options, e.g.
 * `(options) => pool.get(String(options.context.userId))`.
 */
export type GotManagerSource = ManagerSource<GotRequestOptions>;

/**
 * The per-request switch, read from got's `context` option: `context: { tokenRelay: false }` sends that request
 * (its redirects and retries included) without a token and never refreshes for it.
 */
export interface TokenRelayContext {
  readonly tokenRelay?: false | undefined;
}

const wwwAuthenticateOf = (headers: IncomingHttpHeaders): string | undefined => headers['www-authenticate'];

/** Whether got's `context` says to leave this request alone. */
const optedOut = (context: object): boolean => (context as TokenRelayContext).tokenRelay === false;

/**
 * Options for `got.extend()`:
 *
 *     const api = got.extend({ prefixUrl: 'https://api.example.com/v1' }, tokenRefresh(manager));
 *
 * The origins that get the token are fixed when these options are merged into a client (`got.extend()`): the
 * `origins` option, else the origin of that client's `prefixUrl` at that moment. A `prefixUrl` given later (per
 * request, or by a further `.extend()`) never sends the token elsewhere. No `origins` and no `prefixUrl`: a
 * `ConfigurationError` from `got.extend()`.
 *
 * `manager` is one `TokenManager`, or a resolver that picks the manager of each request from its options.
 */
export function tokenRefresh(
  manager: GotManagerSource,
  options: GotTokenRefreshOptions = {},
): GotTokenRefreshExtension {
  const settings = adapterSettings(options);
  const { headerName, headerValue, wantsRefresh } = settings;
  // got keeps header names lower-cased.
  const header = headerName.toLowerCase();
  const chains = createChainRegistry(headerValue);
  // The origin policy, fixed when these options are attached to a client, and that client's base URL then.
  let policy: OriginPolicy | undefined;
  let attachedBase: string | undefined;

  // got runs init hooks for every options object merged into a client or a request, with the client as it is at
  // that moment. The one that holds this very hook is the moment these options are attached: the base URL then is
  // the one that counts.
  const init: InitHook = (raw, self) => {
    const own = raw as { hooks?: { init?: unknown[] }; prefixUrl?: string | URL | undefined };
    if (!own.hooks?.init?.includes(init)) return;
    // A prefixUrl in the same options object (`{ ...tokenRefresh(manager), prefixUrl }`) is merged after this runs.
    const base = prefixOf(own) ?? prefixOf(self);
    if (policy === undefined) {
      policy = settings.policyFor(base);
      attachedBase = base;
    } else if (options.origins === undefined && attachedBase !== base) {
      throw new ConfigurationError(
        'These tokenRefresh() options are already attached to a client with another prefixUrl: call tokenRefresh() once per client',
      );
    }
  };

  /** The policy; hooks that run before any attachment (no init hook saw these options) fix it without a base. */
  const originPolicy = (): OriginPolicy => {
    policy ??= settings.policyFor(undefined);
    return policy;
  };

  const tokensOf = (error: unknown): readonly string[] => {
    const errorOptions = (error as { options?: { context?: object } } | null)?.options;
    const context = errorOptions?.context;
    return context === undefined ? [] : (chains.get(context)?.tokens ?? []);
  };

  // Once per got() call, before got builds the request: the call starts afresh, even if these options were made
  // from an earlier request's (got.paginate does that). It gets a chain of its own only when it needs one from the
  // start: for its `timeout.request` budget (when it began) or a manager resolver (asked once per call). A promise
  // that can reject without passing `beforeError` (an abort, got 14's `cancel()`) is wrapped so that its
  // rejection leaves redacted; any other goes back as got made it.
  const handler: HandlerFunction = (requestOptions, next) => {
    let chain: RequestChain | undefined;
    const context = requestOptions?.context;
    if (context !== undefined && !optedOut(context)) {
      if (typeof manager === 'function' || hasBudget(requestOptions?.timeout.request)) {
        chain = chains.start(context, Date.now());
      } else {
        chains.forget(context);
      }
    }
    const result = next(requestOptions);
    if (!mayRejectUnseen(requestOptions, result)) return result;
    const tokens = chain === undefined ? tokensOf : () => chain.tokens;
    return redactingOnRejection(result, requestOptions?.isStream === true, tokens) as typeof result;
  };

  /**
   * Removes the header only when it is the one we put there (a header the caller set is theirs), and notes that
   * this attempt goes out without our token.
   */
  const stripOurHeader = (requestOptions: GotRequestOptions, chain: RequestChain): void => {
    if (chain.sentValue === undefined) return;
    if (requestOptions.headers[header] === chain.sentValue) delete requestOptions.headers[header];
    const own = chains.own(requestOptions.context, chain);
    own.sentToken = undefined;
    own.sentValue = undefined;
  };

  /**
   * Puts the token on the request and records it on the chain of `context` (the request's): `chain` is its current
   * one, `undefined` on the call's first attempt.
   */
  const send = (
    requestOptions: GotRequestOptions,
    context: object,
    chain: RequestChain | undefined,
    token: AccessToken,
  ): void => {
    if (chain === undefined) {
      requestOptions.headers[header] = chains.firstAttempt(context, token);
      return;
    }
    const value = headerValue(token);
    requestOptions.headers[header] = value;
    chains.sent(context, chain, token.token, value);
  };

  /**
   * The token for a request: a fresh one at once, with nothing set up or looked up; otherwise the manager's
   * promise, bounded by the request's signal and, when it has one, what is left of its `timeout.request` (the
   * manager's one queue timer enforces it).
   */
  const tokenOf = (
    requestOptions: GotRequestOptions,
    chain: RequestChain | undefined,
    requestManager: TokenManager,
  ): AccessToken | Promise<AccessToken> => {
    const { signal } = requestOptions;
    const fresh = freshToken(requestManager, signal);
    if (fresh !== undefined) return fresh;
    if (!hasBudget(requestOptions.timeout.request)) return tokenFor(requestManager, signal);
    return bounded(requestOptions, chain?.startedAt, (bound, timeoutMs) =>
      getAccessTokenWithin(requestManager, { signal: bound, timeoutMs }),
    );
  };

  // Synchronous unless the request must wait for a token: a fresh token costs no promise of ours.
  const beforeRequest: BeforeRequestHook = (requestOptions) => {
    const { context } = requestOptions;
    if (optedOut(context)) return;
    let chain = chains.get(context);
    const url = hrefOf(requestOptions);
    if (url === undefined || !originPolicy()(url)) {
      if (chain !== undefined) stripOurHeader(requestOptions, chain);
      return;
    }
    const replayWith = chain?.replayWith;
    if (chain !== undefined && replayWith !== undefined) {
      chain.replayWith = undefined;
      send(requestOptions, context, chain, replayWith);
      return;
    }
    // A resolver is asked once per call: the manager it picked is kept on the call's own chain.
    if (typeof manager === 'function') {
      chain = chains.own(context, chain);
      chain.manager ??= managerFor(manager, requestOptions);
    }
    const pending = tokenOf(requestOptions, chain, chain?.manager ?? managerFor(manager, requestOptions));
    if (!(pending instanceof Promise)) {
      send(requestOptions, context, chain, pending);
      return;
    }
    return pending.then((token) => send(requestOptions, context, chain, token));
  };

  const beforeRedirect: BeforeRedirectHook = (nextOptions, response) => {
    const { context } = nextOptions;
    if (optedOut(context)) return;
    const chain = chains.get(context);
    if (chain?.sentToken === undefined) return;
    const url = hrefOf(nextOptions);
    const drop = url === undefined ? [header] : headersToDrop(response.url, url, originPolicy(), headerName);
    if (drop.includes(header)) stripOurHeader(nextOptions, chain);
    deleteHeaders(nextOptions.headers, drop);
  };

  // The default rule runs no code of the caller's and reads the status alone (the header only on a 401), so it is
  // asked first and the usual response costs no look at the request; a rule of the caller's is asked only about
  // requests that carried our token, as it always was.
  const ruleFirst = settings.shouldRefresh === defaultShouldRefresh;
  const refreshWanted = (response: Parameters<AfterResponseHook>[0]): boolean =>
    wantsRefresh(response.statusCode, response.headers, wwwAuthenticateOf);

  // Synchronous until a response calls for a refresh: the usual response costs no promise of ours.
  const afterResponse: AfterResponseHook = (response, retryWithMergedOptions) => {
    if (ruleFirst && !refreshWanted(response)) return response;
    const requestOptions = response.request.options;
    const { context } = requestOptions;
    const chain = chains.get(context);
    // Only the first pass of a chain that carried our token may refresh and replay.
    if (chain === undefined || chain.replayed || optedOut(context)) return response;
    const failedToken = chain.sentToken;
    if (failedToken === undefined) return response;
    if (!ruleFirst && !refreshWanted(response)) return response;
    // Marked before anything can fail: whatever happens next, this chain is never replayed a second time.
    const own = chains.own(context, chain);
    own.replayed = true;
    return refreshAndReplay(own, failedToken, requestOptions, retryWithMergedOptions);
  };

  const refreshAndReplay = async (
    chain: RequestChain,
    failedToken: string,
    requestOptions: Parameters<AfterResponseHook>[0]['request']['options'],
    retryWithMergedOptions: Parameters<AfterResponseHook>[1],
  ): Promise<Awaited<ReturnType<AfterResponseHook>>> => {
    const requestManager = chain.manager ?? managerFor(manager, requestOptions as GotRequestOptions);
    const token = await bounded(requestOptions, chain.startedAt, (signal, timeoutMs) =>
      refreshWithin(requestManager, { failedToken, signal, timeoutMs }),
    );
    if (isConsumedByFirstSend(requestOptions.body)) {
      throw new NotReplayableError(
        'the request body was a stream or iterator that the first attempt consumed',
      );
    }
    chain.replayWith = token;
    // `preserveHooks` keeps every afterResponse hook (the caller's too) for the replayed response; ours then
    // sees `replayed` and passes the response on.
    return retryWithMergedOptions({
      headers: { [header]: headerValue(token) },
      preserveHooks: true,
    });
  };

  return {
    handlers: [handler],
    hooks: {
      init: [init],
      beforeRequest: [beforeRequest],
      beforeRedirect: [beforeRedirect],
      afterResponse: [afterResponse],
      beforeError: [redactBeforeError(tokensOf)],
    },
  };
}
