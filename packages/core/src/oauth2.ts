/**
 * `oauth2Refresh()`: the refresh_token grant of RFC 6749 section 6 as a `RefreshFunction`. It calls the token
 * endpoint with its own fetch (never an intercepted client) and tells the manager, through
 * `TokenEndpointError.kind`, whether a failure is transient (retry), terminal (sign in again) or a configuration
 * error (keep the user's tokens, do not retry).
 */
import { TokenEndpointError } from './errors.ts';
import { type OAuth2RefreshOptions, type ResolvedOAuth2Options, resolveOptions } from './oauth2-options.ts';
import {
  type Body,
  errorCodeOf,
  errorResponse,
  malformed,
  parseTokenResponse,
  readBody,
} from './oauth2-response.ts';
import { parseRetryAfter } from './retry-after.ts';
import { startTimer } from './timers.ts';
import type { RefreshContext, RefreshFunction } from './types.ts';

export type { ClientAuthMethod, OAuth2RefreshOptions } from './oauth2-options.ts';

/** One value in application/x-www-form-urlencoded form, as RFC 6749 section 2.3.1 asks before base64. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * The `Authorization` header of `client_secret_basic`: the client id and secret are each form-urlencoded, then
 * joined with `:` and base64-encoded, so ids and secrets with `:`, `+`, `%`, spaces or non-ASCII survive.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

export interface EndpointRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A form POST to an OAuth endpoint with the client's authentication (RFC 6749 section 2.3.1). */
export function buildEndpointRequest(
  config: ResolvedOAuth2Options,
  params: Readonly<Record<string, string>>,
): EndpointRequest {
  const body = new URLSearchParams(params);
  for (const [name, value] of config.extraParams) body.set(name, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  switch (config.clientAuth) {
    case 'client_secret_basic':
      // resolveOptions() guarantees a secret for this method.
      headers.authorization = basicAuthorization(config.clientId, config.clientSecret!);
      break;
    case 'client_secret_post':
      body.set('client_id', config.clientId);
      body.set('client_secret', config.clientSecret!);
      break;
    case 'none':
      body.set('client_id', config.clientId);
      break;
  }
  return { headers, body: body.toString() };
}

/** Settles with `pending`, or rejects with `signal.reason` as soon as `signal` aborts (even if fetch ignores it). */
function untilAborted(pending: Promise<Response>, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(pending).then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        // A response that arrives after we gave up is released rather than left to hold its connection.
        if (signal.aborted) void response.body?.cancel().catch(() => undefined);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Sends `request` with a timeout, the caller's abort, a size-bounded body, and the failure classification;
 * `parse` turns a 2xx body into the result.
 */
export async function exchange<T>(
  config: ResolvedOAuth2Options,
  request: EndpointRequest,
  context: Pick<RefreshContext, 'signal' | 'now' | 'refreshToken' | 'tokens'>,
  parse: (text: string, status: number, secrets: readonly string[]) => T,
): Promise<T> {
  const outer = context.signal;
  outer.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  // On the injected clock; unref'd: the request in flight keeps a process alive, the timer need not.
  const cancelTimer = startTimer(config.clock, config.timeoutMs, () => {
    timedOut = true;
    controller.abort(new DOMException('The token request timed out', 'TimeoutError'));
  });

  // The caller's abort is passed on as it is; a timeout or a network failure is transient.
  const failure = (error: unknown, reason: string, status?: number): unknown => {
    if (outer.aborted) return outer.reason;
    if (timedOut) {
      return new TokenEndpointError(`no complete response within ${config.timeoutMs} ms`, {
        kind: 'transient',
        status,
        cause: error,
      });
    }
    return new TokenEndpointError(reason, { kind: 'transient', status, cause: error });
  };

  try {
    let response: Response;
    try {
      const init: RequestInit = {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
        // A redirect would re-send the refresh token and secret to wherever it points: refused below instead.
        redirect: 'manual',
      };
      response = await untilAborted(config.fetch(config.endpoint.href, init), controller.signal);
    } catch (error) {
      throw failure(error, 'the request failed before a response arrived');
    }
    const { status } = response;
    if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
      void response.body?.cancel().catch(() => undefined);
      throw new TokenEndpointError('the token endpoint redirected; configure its final URL', {
        kind: 'config',
        status: status === 0 ? undefined : status,
      });
    }
    let body: Body;
    try {
      body = await readBody(response, config.maxResponseBytes, controller.signal);
    } catch (error) {
      throw failure(error, 'the response body could not be read', status);
    }
    // What a server might echo into an `error` code; such a code is dropped rather than shown.
    const secrets = [
      context.refreshToken ?? '',
      config.clientSecret ?? '',
      context.tokens?.accessToken ?? '',
    ];
    if (status >= 200 && status < 300) {
      if ('problem' in body) throw malformed(body.problem, status);
      return parse(body.text, status, secrets);
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), context.now());
    throw errorResponse(status, errorCodeOf(body, secrets), retryAfterMs);
  } finally {
    cancelTimer();
    outer.removeEventListener('abort', onAbort);
  }
}

/**
 * A `RefreshFunction` for the OAuth 2.0 refresh_token grant. Options are checked here, at once: a plain-http
 * endpoint that is not loopback, a missing secret for a secret-based `clientAuth` and the like throw a
 * `ConfigurationError`. Each refresh then resolves to the new tokens (without `refreshToken` when the server did
 * not rotate it) or rejects with a `TokenEndpointError`, or with `context.signal.reason` when it aborts.
 */
export function oauth2Refresh(options: OAuth2RefreshOptions): RefreshFunction {
  const config = resolveOptions(options);
  return async (context) => {
    const { refreshToken } = context;
    if (refreshToken === undefined || refreshToken === '') {
      throw new TokenEndpointError('no refresh token is held', { kind: 'terminal' });
    }
    const params: Record<string, string> = { grant_type: 'refresh_token', refresh_token: refreshToken };
    if (config.scope !== undefined) params.scope = config.scope;
    return exchange(config, buildEndpointRequest(config, params), context, parseTokenResponse);
  };
}
