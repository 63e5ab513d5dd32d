/**
 * `tokenRefresh(manager)`: ky hooks (and, per call, ky's `fetch` option) that put the manager's token on requests to
 * allowed origins and, on a 401, refresh once and replay once with ky's own forced retry. Every decision (freshness,
 * whether a 401 is stale, what an error means, which origins, which responses) is the core's; this file only
 * translates.
 *
 * The success path costs no promise of ours when the token is fresh (`peekAccessToken`), and no `afterResponse` hook:
 * ky clones the response once per `afterResponse` hook, so the 401 is spotted by the call's fetch instead
 * (`replay-fetch.ts`).
 */
import type { AccessToken, TokenManager } from '@tokenrelay/core';
import { ConfigurationError } from '@tokenrelay/core';
import {
  adapterSettings,
  CREDENTIAL_HEADERS,
  type FetchLike,
  freshToken,
  getAccessTokenWithin,
  managerFor,
  type OriginPolicy,
  redactError,
} from '@tokenrelay/core/adapter-kit';
import {
  type AfterResponseHook,
  type BeforeErrorHook,
  type BeforeRequestHook,
  type BeforeRetryHook,
  type Hooks,
  type InitHook,
  isHTTPError,
  type NormalizedOptions,
  type Options,
} from 'ky';
import { boundedWait } from './bounded-wait.ts';
import { clientBaseUrl, type KyManagerSource, type KyTokenRefreshOptions, optedOut } from './options.ts';
import { type ReplayRules, refreshThenReplay, replayFetch, startsRefresh } from './replay-fetch.ts';
import { createRequestStates, type RequestState } from './request-state.ts';
import { callerRetryLimit, withReplayRoom } from './retry-budget.ts';
import { sendFollowing } from './send-following.ts';

/** ky's documented default for `timeout`. */
const KY_DEFAULT_TIMEOUT_MS = 10_000;

const otherKyError = (): ConfigurationError =>
  new ConfigurationError(
    'The replay after a refresh was ignored: the ky running this request is another copy than the one @tokenrelay/ky imports (two ky installs, or a bundler alias). Make both resolve to one ky.',
  );

/** What `tokenRefresh()` returns: hooks for one client, for `ky.extend()`. */
export interface KyTokenRefreshHooks {
  readonly hooks: Required<Hooks>;
}

/**
 * What `tokenRefresh()` returns: pass it to `.extend()`, which calls it with the client's options, so that the
 * origins are fixed from the client's base URL at that moment.
 */
export type KyTokenRefreshExtension = (parent: Options) => KyTokenRefreshHooks;

/**
 * Options for `ky.extend()`:
 *
 *     const api = ky.create({ baseUrl: 'https://api.example.com/v1/' }).extend(tokenRefresh(manager));
 *
 * The origins that get the token are fixed by that `.extend()`: `origins`, else the origin of the client's
 * `prefix`/`baseUrl` (see `KyTokenRefreshOptions`). `manager` is one `TokenManager`, or a resolver that picks the
 * manager of each request.
 */
export function tokenRefresh(
  manager: KyManagerSource,
  options: KyTokenRefreshOptions = {},
): KyTokenRefreshExtension {
  const settings = adapterSettings(options);
  return (parent) => ({
    hooks: clientHooks(manager, settings, settings.policyFor(clientBaseUrl(parent)), parent.hooks ?? {}),
  });
}

function clientHooks(
  manager: KyManagerSource,
  settings: ReturnType<typeof adapterSettings>,
  policy: OriginPolicy,
  parentHooks: Hooks,
): Required<Hooks> {
  const { wantsRefresh, headerName: header, headerValue } = settings;
  // The hooks of the client we extend run before ours, in every call. Its afterResponse hooks see a 401 before the
  // replay, as they always did: the 401 is then answered by our afterResponse hook (with the response clone ky makes
  // for it). Without them the call's fetch answers it, and we have no afterResponse hook at all. Its beforeRetry hooks
  // would run before our first one, which must see every retry first: then each call moves ours ahead.
  const viaHook = (parentHooks.afterResponse?.length ?? 0) > 0;
  const retriesBeforeOurs = (parentHooks.beforeRetry?.length ?? 0) > 0;
  // fetch drops Authorization on a redirect to another origin (WHATWG Fetch), but forwards any other header: with
  // a custom header, the requests that carry it follow their redirects here, by the kit's rule.
  const headerFollowsRedirects = !CREDENTIAL_HEADERS.includes(header.toLowerCase());
  const states = createRequestStates();
  const redirectRules = { policy, headerName: header, headerValue };
  const rules: ReplayRules = {
    viaHook,
    wantsRefresh,
    policy,
    send: headerFollowsRedirects
      ? (underlying, state, input, init) => sendFollowing(redirectRules, underlying, state.sent, input, init)
      : (underlying, _state, input, init) => underlying(input, init),
  };
  // ky's own default, looked up per call (a test framework may put its own fetch there after the client is made).
  const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

  const managerOf = (state: RequestState, request: Request, kyOptions: NormalizedOptions): TokenManager => {
    state.manager ??=
      typeof manager === 'function' ? managerFor(manager, { request, options: kyOptions }) : manager;
    return state.manager;
  };

  const send = (request: Request, state: RequestState, token: AccessToken): void => {
    request.headers.set(header, headerValue(token));
    state.sent = token;
    if (state.tokens === undefined) state.tokens = [token.token];
    else state.tokens.push(token.token);
  };

  /**
   * `use(request, state, token)` with the manager's token: at once when it is fresh (no promise, and no closure of
   * ours when `use` needs none); otherwise after the bounded wait for it.
   */
  const withToken = (
    request: Request,
    state: RequestState,
    requestManager: TokenManager,
    use: (request: Request, state: RequestState, token: AccessToken) => void,
  ): undefined | Promise<void> => {
    const fresh = freshToken(requestManager, request.signal);
    if (fresh !== undefined) {
      use(request, state, fresh);
      return undefined;
    }
    return boundedWait(
      request,
      state,
      (signal, timeoutMs) => getAccessTokenWithin(requestManager, { signal, timeoutMs }),
      (waited) => use(request, state, waited),
    );
  };

  const init: InitHook = (kyOptions) => {
    if (optedOut(kyOptions.context)) return;
    // The call's `context` is its key. ky hands init hooks a fresh copy of it; one that already carries a state (an
    // earlier init hook gave calls one shared object) or cannot take one (frozen) is copied again.
    let { context } = kyOptions;
    if (context === undefined || !Object.isExtensible(context) || states.get(context) !== undefined) {
      context = { ...context };
      kyOptions.context = context;
    }
    const state = states.create(context);
    kyOptions.fetch = replayFetch(rules, kyOptions.fetch ?? globalFetch, state);
    if (retriesBeforeOurs) {
      const { hooks } = kyOptions;
      const retries = hooks?.beforeRetry ?? [];
      if (retries[0] !== replayFirst && retries.includes(replayFirst)) {
        kyOptions.hooks = {
          ...hooks,
          beforeRetry: [replayFirst, ...retries.filter((hook) => hook !== replayFirst)],
        };
      }
    }
    // ky's `timeout` (default 10 s) is not in the options its later hooks see.
    state.timeoutMs = kyOptions.timeout === false ? undefined : (kyOptions.timeout ?? KY_DEFAULT_TIMEOUT_MS);
    const limit = callerRetryLimit(kyOptions.retry);
    if (limit === undefined) return;
    // With retries off, a stream body is not teed just in case: a 401 then says it could not be replayed.
    if (limit === 0 && kyOptions.body instanceof ReadableStream) return;
    kyOptions.retry = withReplayRoom(kyOptions.retry, limit, state);
  };

  const beforeRequest: BeforeRequestHook = ({ request, options: kyOptions }) => {
    if (optedOut(kyOptions.context)) return;
    const state = states.ensure(kyOptions.context);
    if (!policy(request.url)) return;
    state.retryLimit = kyOptions.retry.limit;
    return withToken(request, state, managerOf(state, request, kyOptions), send);
  };

  /**
   * First of the call's `beforeRetry` hooks: keeps ky's `retryCount` for the call's fetch, and puts the refreshed
   * token on the replay before any other hook sees it (the request is ky's unsent copy, the one it sends next).
   */
  const replayFirst: BeforeRetryHook = ({ request, options: kyOptions, retryCount }) => {
    const state = states.get(kyOptions.context);
    if (state === undefined) return;
    state.retryCount = retryCount;
    const token = state.replayToken;
    if (!state.replayPending || token === undefined) return;
    state.replayPending = false;
    state.replayToken = undefined;
    send(request, state, token);
  };

  // ky 2 runs `beforeRequest` once per call; a retry (after a 503, say, and its backoff) gets the current token.
  const beforeRetry: BeforeRetryHook = ({ request, options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    const sent = state?.sent;
    if (state === undefined || sent === undefined) return;
    if (!policy(request.url)) {
      // Another hook pointed the retry elsewhere: our token does not go with it.
      if (request.headers.get(header) === headerValue(sent)) request.headers.delete(header);
      state.sent = undefined;
      return;
    }
    state.retryLimit = kyOptions.retry.limit;
    // Another token than the one this call sent: the retry carries it.
    const resend = (retry: Request, retryState: RequestState, token: AccessToken): void => {
      if (token.token !== sent.token || token.type !== sent.type) send(retry, retryState, token);
    };
    return withToken(request, state, managerOf(state, request, kyOptions), resend);
  };

  /** The 401 path of a call whose 401s must first reach the afterResponse hooks of the client we extend. */
  const afterResponse: AfterResponseHook = ({ request, options: kyOptions, response, retryCount }) => {
    const state = states.get(kyOptions.context);
    if (state === undefined) return;
    const start = startsRefresh(rules, state, response);
    return start === undefined ? undefined : refreshThenReplay(rules, state, start, request, retryCount);
  };

  // A 401 that was not replayed reaches the caller as ky's HTTPError, with the reason as its `cause`. Every error
  // of a call that carried the token is made safe to log (its request, response and `data` hidden from loggers).
  const beforeError: BeforeErrorHook = ({ error, options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    // The replay ky did not take as a forced retry: only another copy of ky does that (ours counts the budget first).
    if (state?.replayPending === true && error === state.thrown) {
      state.replayPending = false;
      return otherKyError() as unknown as typeof error;
    }
    const reason = state?.notReplayable;
    if (reason !== undefined && isHTTPError(error) && error.cause === undefined) {
      Object.defineProperty(error, 'cause', { value: reason, configurable: true, writable: true });
    }
    return state?.tokens === undefined ? error : redactError(error, state.tokens);
  };

  return {
    init: [init],
    beforeRequest: [beforeRequest],
    beforeRetry: [replayFirst, beforeRetry],
    afterResponse: viaHook ? [afterResponse] : [],
    beforeError: [beforeError],
  };
}
