import { adapterSettings, NotReplayableError, type TokenManager } from '@tokenrelay/core';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AxiosTokenRefreshOptions } from './options.ts';
import { redactSecrets } from './redact.ts';
import { createRedirectGuard } from './redirect.ts';
import { headerOf, isReplayableBody, sendAsIs } from './replay.ts';
import {
  isMarkedBy,
  mark,
  type Owner,
  ReplayTicket,
  replayTicketOf,
  SentToken,
  sentTokenOf,
  withTicket,
} from './request-state.ts';
import { baseUrlOf, requestUrl } from './request-url.ts';
import { waitSignalFor } from './signal.ts';

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** The request config of an AxiosError (of any axios copy), if the error has one. */
const configOf = (error: unknown): InternalAxiosRequestConfig | undefined => {
  const config = isObject(error) ? (error as Partial<AxiosError>).config : undefined;
  return isObject(config) ? config : undefined;
};

/**
 * Gives an axios instance token refresh: each request to an allowed origin gets `Authorization: Bearer <token>`
 * from `manager`, and a 401 refreshes once (however many requests got it) and replays the request once.
 *
 * Adds one request and one response interceptor; the returned function ejects both. Request interceptors already on
 * the instance run after ours (axios runs request interceptors last-added first) and see the header; response
 * interceptors already on the instance run before ours, so a replayed response passes through them once.
 *
 * @throws ConfigurationError when the instance has no `baseURL` and no `origins` were given.
 */
export function attachTokenRefresh(
  instance: AxiosInstance,
  manager: TokenManager,
  options: AxiosTokenRefreshOptions = {},
): () => void {
  const settings = adapterSettings(options);
  const allowed = settings.policyFor(baseUrlOf(instance));
  const { shouldRefresh, headerName, headerValue } = settings;
  const owner: Owner = {};
  const redirects = createRedirectGuard(allowed, headerName);

  const onRequest = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    const ticket = replayTicketOf(config, owner);
    const replayed = ticket?.use() === true;
    // A config we saw before (our replay, or a caller re-sending an old config) still holds our old token.
    if (isMarkedBy(config, owner)) {
      config.headers.delete(headerName);
      mark(config, undefined);
    }
    if (config.tokenRelay === false) return config;
    const url = requestUrl(instance, config);
    if (url === undefined || !allowed(url)) return config;

    const wait = waitSignalFor(config);
    let token: Awaited<ReturnType<TokenManager['getAccessToken']>>;
    try {
      token = await manager.getAccessToken({ signal: wait.signal });
    } catch (error) {
      // Cancelled while waiting: axios rejects it with its own CanceledError before anything is sent.
      if (wait.cancelled()) return config;
      throw error;
    } finally {
      wait.dispose();
    }
    config.headers.set(headerName, headerValue(token));
    mark(config, new SentToken(owner, token.token, replayed));
    config.beforeRedirect = redirects.wrap(config.beforeRedirect);
    return config;
  };

  /** After a refresh-worthy response: refresh (once for all), then replay this request once. */
  const refreshAndReplay = async <T>(
    config: InternalAxiosRequestConfig,
    sent: SentToken,
    original: { error: unknown } | { response: T },
  ): Promise<T | AxiosResponse> => {
    const wait = waitSignalFor(config);
    try {
      await manager.refresh({ failedToken: sent.token, signal: wait.signal });
    } catch (error) {
      // Cancelled while waiting: the replay below is rejected by axios with its own CanceledError.
      if (!wait.cancelled()) throw error;
    } finally {
      wait.dispose();
    }
    if (!isReplayableBody(config.data)) {
      if ('response' in original) return original.response;
      const reason = new NotReplayableError('the request body was a stream and has been sent');
      Object.defineProperty(original.error, 'cause', {
        value: reason,
        enumerable: false,
        writable: true,
        configurable: true,
      });
      throw redactSecrets(original.error, [sent.token]);
    }
    return instance.request(withTicket({ ...config, transformRequest: [sendAsIs] }, new ReplayTicket(owner)));
  };

  const wantsRefresh = (response: AxiosResponse | undefined): response is AxiosResponse =>
    response !== undefined &&
    shouldRefresh({
      status: response.status,
      wwwAuthenticate: headerOf(response.headers, 'www-authenticate'),
    });

  // `validateStatus` may let a 401 through as a response. Not async: a response that needs nothing goes on as it
  // is, without a promise of its own.
  const onResponse = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const sent = isObject(response.config) ? sentTokenOf(response.config, owner) : undefined;
    if (sent === undefined || sent.replayed || !wantsRefresh(response)) return response;
    return refreshAndReplay(response.config, sent, { response });
  };

  const onResponseError = async (error: unknown): Promise<AxiosResponse> => {
    const config = configOf(error);
    const sent = config === undefined ? undefined : sentTokenOf(config, owner);
    // Not ours (no token sent by this attachment), or a tokenrelay error from the request interceptor: as it is.
    if (config === undefined || sent === undefined) throw error;
    const response = (error as Partial<AxiosError>).response;
    if (!sent.replayed && wantsRefresh(response)) return refreshAndReplay(config, sent, { error });
    throw redactSecrets(error, [sent.token]);
  };

  const requestId = instance.interceptors.request.use(onRequest);
  const responseId = instance.interceptors.response.use(onResponse, onResponseError);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}
