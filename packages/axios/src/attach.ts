import { type AccessToken, NotReplayableError, type TokenManager } from '@tokenrelay/core';
import {
  adapterSettings,
  freshToken,
  getAccessTokenWithin,
  isConsumedByFirstSend,
  isRequestTimeout,
  managerFor,
  redactError,
  refreshWithin,
} from '@tokenrelay/core/adapter-kit';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AxiosInstanceLike, AxiosManagerSource, AxiosTokenRefreshOptions } from './options.ts';
import { createRedirectGuard } from './redirect.ts';
import { headerOf, sendAsIs } from './replay.ts';
import {
  type Owner,
  ownMarkOf,
  ReplayTicket,
  SentToken,
  sentTokenOf,
  unmark,
  withTicket,
} from './request-state.ts';
import { baseUrlOf, createOriginCache, requestUrl } from './request-url.ts';
import { isUncancellable, waitSignalFor } from './signal.ts';
import { AxiosWaitTimeoutError } from './timeout-error.ts';

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Whether the instance has request interceptors now (they will run after the one we add). Unknown: assume so. */
const hasRequestInterceptors = (instance: AxiosInstance): boolean => {
  const { handlers } = instance.interceptors.request as { handlers?: unknown };
  return !Array.isArray(handlers) || handlers.some((handler) => handler !== null && handler !== undefined);
};

/** The request config of an AxiosError (of any axios copy), if the error has one. */
const configOf = (error: unknown): InternalAxiosRequestConfig | undefined => {
  const config = isObject(error) ? (error as Partial<AxiosError>).config : undefined;
  return isObject(config) ? config : undefined;
};

const wwwAuthenticateOf = (headers: unknown): string | undefined => headerOf(headers, 'www-authenticate');

/** When each request began (for its `timeout`, which the waits count against). Not on the config: it is copied. */
type Started = WeakMap<object, number>;

/**
 * Gives an axios instance token refresh: each request to an allowed origin gets `Authorization: Bearer <token>`
 * from its manager, and a 401 refreshes once (however many requests got it) and replays the request once.
 *
 * `manager` is one `TokenManager`, or a resolver that picks the manager of each request from its config:
 * `attachTokenRefresh(instance, (config) => pool.get(String(config.headers.get('x-user'))))`.
 *
 * The origins that get the token are fixed now: `origins`, else the origin of the instance's `baseURL` at this
 * moment. A request's own `baseURL`, or a later `defaults.baseURL`, never sends the token elsewhere.
 *
 * Adds one request and one response interceptor; the returned function ejects both. Request interceptors already on
 * the instance run after ours (axios runs request interceptors last-added first) and see the header; response
 * interceptors already on the instance run before ours, so a replayed response passes through them once.
 *
 * @throws ConfigurationError when the instance has no `baseURL` and no `origins` were given.
 */
export function attachTokenRefresh<C extends object, R extends object>(
  instance: AxiosInstanceLike<C, R>,
  manager: AxiosManagerSource<C>,
  options: AxiosTokenRefreshOptions = {},
): () => void {
  const axiosInstance = instance as unknown as AxiosInstance;
  const settings = adapterSettings(options);
  const allowed = settings.policyFor(baseUrlOf(instance));
  const { headerName, headerValue } = settings;
  const owner: Owner = {};
  const redirects = createRedirectGuard(allowed, headerName);
  // Request interceptors already on the instance run after ours and may replace `beforeRedirect`, our redirect
  // guard: their requests get it back at dispatch (redirect.ts, `GuardKeeper`). Interceptors added later run before
  // ours and cannot. The common case (none before ours) pays nothing for it.
  const guardKeeper = hasRequestInterceptors(axiosInstance) ? redirects.keeper() : undefined;
  const started: Started = new WeakMap();
  // The decision for a relative `url` depends on its `baseURL` only: made once per `baseURL`.
  const origins = createOriginCache(allowed);

  /** Waits for `wait`; a cancelled wait lets axios reject with its own CanceledError, a timed-out one as axios would. */
  const waitFor = async <T>(
    config: InternalAxiosRequestConfig,
    work: (signal: AbortSignal | undefined, timeoutMs: number | undefined) => Promise<T>,
  ): Promise<T | undefined> => {
    const wait = waitSignalFor(config, started.get(config));
    try {
      return await work(wait.signal, wait.timeoutMs);
    } catch (error) {
      if (wait.cancelled()) return undefined;
      if (isRequestTimeout(error)) throw new AxiosWaitTimeoutError(config, error);
      throw error;
    } finally {
      wait.dispose();
    }
  };

  // The mark of a first pass says only which manager's token went out: one (immutable) mark serves every request
  // that carried the same token of the same manager.
  let lastSent: SentToken | undefined;
  const sentFor = (requestManager: TokenManager, token: AccessToken, replayed: boolean): SentToken => {
    if (replayed) return new SentToken(owner, requestManager, token.token, true);
    if (lastSent?.manager !== requestManager || lastSent.token !== token.token) {
      lastSent = new SentToken(owner, requestManager, token.token, false);
    }
    return lastSent;
  };

  /** Puts `token` on the request and marks it as ours. */
  const withToken = (
    config: InternalAxiosRequestConfig,
    requestManager: TokenManager,
    token: AccessToken,
    url: string | URL,
    replayed: boolean,
  ): InternalAxiosRequestConfig => {
    config.headers.set(headerName, headerValue(token));
    const mark = sentFor(requestManager, token, replayed);
    // The wrapper carries the request's mark (request-state.ts).
    config.beforeRedirect = redirects.wrap(config.beforeRedirect, url, mark);
    guardKeeper?.keep(config, url, mark);
    return config;
  };

  /** Waits for the manager's token (bounded by the request's signal, cancel token and timeout), then puts it on. */
  const waitForToken = async (
    config: InternalAxiosRequestConfig,
    requestManager: TokenManager,
    url: string | URL,
    replayed: boolean,
  ): Promise<InternalAxiosRequestConfig> => {
    // A request that cannot be cancelled nor time out (the usual one) waits without a wait signal.
    const token = isUncancellable(config)
      ? await requestManager.getAccessToken()
      : await waitFor(config, (signal, timeoutMs) =>
          getAccessTokenWithin(requestManager, { signal, timeoutMs }),
        );
    // Cancelled while waiting: axios rejects it with its own CanceledError before anything is sent.
    if (token === undefined) return config;
    return withToken(config, requestManager, token, url, replayed);
  };

  // Not async: a request on a fresh token goes on at once, without a promise of its own (axios chains it anyway).
  const onRequest = (
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> => {
    const { marked, ticket } = ownMarkOf(config, owner);
    const replayed = ticket?.use() === true;
    // A config we saw before (our replay, or a caller re-sending an old config) still holds our old token.
    if (marked) {
      config.headers.delete(headerName);
      unmark(config);
    }
    if (config.tokenRelay === false) return config;
    const decided = origins.decide(config);
    const url = decided === undefined ? requestUrl(instance, config) : decided || undefined;
    if (url === undefined || (decided === undefined && !allowed(url))) return config;
    // Only a `timeout` needs the start (the waits count against it).
    if (!replayed && typeof config.timeout === 'number' && config.timeout > 0)
      started.set(config, Date.now());
    const requestManager = managerFor(manager, config as unknown as C);
    // No signal given: an aborted request is rejected by axios itself before anything is sent.
    const fresh = freshToken(requestManager);
    if (fresh !== undefined) return withToken(config, requestManager, fresh, url, replayed);
    return waitForToken(config, requestManager, url, replayed);
  };

  /** After a refresh-worthy response: refresh (once for all), then replay this request once. */
  const refreshAndReplay = async <T>(
    config: InternalAxiosRequestConfig,
    sent: SentToken,
    original: { error: unknown } | { response: T },
  ): Promise<T | AxiosResponse> => {
    // Cancelled while waiting: the replay below is rejected by axios with its own CanceledError.
    const fresh = await waitFor(config, (signal, timeoutMs) =>
      refreshWithin(sent.manager, { failedToken: sent.token, signal, timeoutMs }),
    );
    if (isConsumedByFirstSend(config.data)) {
      if ('response' in original) return original.response;
      const reason = new NotReplayableError('the request body was a stream and has been sent');
      Object.defineProperty(original.error, 'cause', {
        value: reason,
        enumerable: false,
        writable: true,
        configurable: true,
      });
      throw redactError(original.error, [sent.token]);
    }
    const replay = withTicket({ ...config, transformRequest: [sendAsIs] }, new ReplayTicket(owner));
    const begun = started.get(config);
    if (begun !== undefined) started.set(replay, begun);
    try {
      return await axiosInstance.request(replay);
    } catch (error) {
      throw redactError(error, fresh === undefined ? [sent.token] : [sent.token, fresh.token]);
    }
  };

  const wantsRefresh = (response: AxiosResponse | undefined): response is AxiosResponse =>
    response !== undefined && settings.wantsRefresh(response.status, response.headers, wwwAuthenticateOf);

  // `validateStatus` may let a 401 through as a response. Not async: a response that needs nothing goes on as it
  // is, without a promise of its own.
  const onResponse = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const sent = isObject(response.config) ? sentTokenOf(response.config, owner) : undefined;
    if (sent === undefined || !sent.mayReplay || !wantsRefresh(response)) return response;
    return refreshAndReplay(response.config, sent, { response });
  };

  const onResponseError = async (error: unknown): Promise<AxiosResponse> => {
    const config = configOf(error);
    const sent = config === undefined ? undefined : sentTokenOf(config, owner);
    // Not ours (no token sent by this attachment), or a tokenrelay error from the request interceptor: as it is.
    if (config === undefined || sent === undefined) throw error;
    const response = (error as Partial<AxiosError>).response;
    if (sent.mayReplay && wantsRefresh(response)) return refreshAndReplay(config, sent, { error });
    throw redactError(error, [sent.token]);
  };

  const requestId = axiosInstance.interceptors.request.use(onRequest);
  const responseId = axiosInstance.interceptors.response.use(onResponse, onResponseError);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    axiosInstance.interceptors.request.eject(requestId);
    axiosInstance.interceptors.response.eject(responseId);
  };
}
