import { describe, expect, it } from 'vitest';
import { TokenEndpointError } from './errors.ts';
import { basicAuthorization, oauth2Refresh } from './oauth2.ts';
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  CLIENT_SECRET,
  context,
  ENDPOINT,
  fakeFetch,
  json,
  NOW,
  never,
  REFRESH_TOKEN,
  type Responder,
  rejection,
  tokenBody,
} from './oauth2-test-fixtures.ts';

const refreshWith = (respond: Responder, options: Record<string, unknown> = {}) => {
  const fake = fakeFetch(respond);
  const refresh = oauth2Refresh({
    tokenEndpoint: ENDPOINT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch: fake.fetch,
    ...options,
  });
  return { refresh, requests: fake.requests };
};

/** Undoes RFC 6749 section 2.3.1: base64, split at the first colon, form-urldecode each half. */
const decodeBasic = (header: string | null): [string | null, string | null] => {
  expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  const decoded = atob(header!.slice('Basic '.length));
  const colon = decoded.indexOf(':');
  const formDecode = (s: string) => new URLSearchParams(`v=${s}`).get('v');
  return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
};

describe('oauth2Refresh: the request', () => {
  it('POSTs the refresh_token grant as a form, asking for JSON', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()), {
      scope: 'read write',
      extraParams: { resource: 'https://api.example.com/' },
    });
    await refresh(context());
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.url).toBe(ENDPOINT);
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.get('accept')).toBe('application/json');
    expect(request?.init?.redirect).toBe('manual');
    expect(Object.fromEntries(request!.body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
      scope: 'read write',
      resource: 'https://api.example.com/',
    });
  });

  it('uses client_secret_basic by default, form-encoding id and secret before base64', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()));
    await refresh(context());
    const request = requests[0]!;
    expect(decodeBasic(request.headers.get('authorization'))).toEqual([CLIENT_ID, CLIENT_SECRET]);
    // Without the form encoding, the ':' in the id would split it in the wrong place.
    expect(atob(request.headers.get('authorization')!.slice(6))).not.toContain(CLIENT_SECRET);
    expect(request.body.has('client_id')).toBe(false);
    expect(request.body.has('client_secret')).toBe(false);
  });

  it('matches the RFC 6749 section 2.3.1 example header', () => {
    expect(basicAuthorization('s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw')).toBe(
      'Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3',
    );
    expect(basicAuthorization('a b', 'c+d%e:f')).toBe(`Basic ${btoa('a+b:c%2Bd%25e%3Af')}`);
  });

  it('client_secret_post sends id and secret in the body and no Authorization header', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()), { clientAuth: 'client_secret_post' });
    await refresh(context());
    const request = requests[0]!;
    expect(request.headers.has('authorization')).toBe(false);
    expect(request.body.get('client_id')).toBe(CLIENT_ID);
    expect(request.body.get('client_secret')).toBe(CLIENT_SECRET);
  });

  it('none sends only the client id in the body', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()), { clientSecret: undefined });
    await refresh(context());
    const request = requests[0]!;
    expect(request.headers.has('authorization')).toBe(false);
    expect(request.body.get('client_id')).toBe(CLIENT_ID);
    expect(request.body.has('client_secret')).toBe(false);
  });

  it('uses globalThis.fetch as it was at creation when no fetch is given', async () => {
    const original = globalThis.fetch;
    const fake = fakeFetch(() => json(tokenBody()));
    globalThis.fetch = fake.fetch;
    try {
      const refresh = oauth2Refresh({ tokenEndpoint: ENDPOINT, clientId: 'c' });
      // A later wrapper (e.g. a fetch with token refresh installed globally) must not be used.
      globalThis.fetch = () => Promise.reject(new Error('intercepted client used'));
      await expect(refresh(context())).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
      expect(fake.requests).toHaveLength(1);
    } finally {
      globalThis.fetch = original;
    }
  });
});

describe('oauth2Refresh: the result', () => {
  it('returns the new tokens, with the rotated refresh token', async () => {
    const { refresh } = refreshWith(() =>
      json(tokenBody({ refresh_token: 'rt-next', scope: 'read', token_type: 'bearer', expires_in: '1800' })),
    );
    await expect(refresh(context())).resolves.toEqual({
      accessToken: ACCESS_TOKEN,
      refreshToken: 'rt-next',
      tokenType: 'Bearer',
      expiresIn: 1800,
      scope: 'read',
    });
  });

  it('has no refreshToken when the server did not return one, so the old one is kept', async () => {
    const { refresh } = refreshWith(() => json(tokenBody({ refresh_token: null, expires_in: undefined })));
    const result = await refresh(context());
    expect(result).toEqual({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer' });
    expect('refreshToken' in result).toBe(false);
    expect('expiresIn' in result).toBe(false);
  });
});

describe('oauth2Refresh: failures', () => {
  const failWith = async (response: () => Response) => {
    const { refresh } = refreshWith(response);
    const error = await rejection(refresh(context()));
    expect(error).toBeInstanceOf(TokenEndpointError);
    return error as TokenEndpointError;
  };

  it('no refresh token held: terminal, without calling the server', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()));
    const error = await rejection(refresh(context({ refreshToken: undefined, tokens: undefined })));
    expect(error).toMatchObject({ name: 'TokenEndpointError', kind: 'terminal' });
    expect(requests).toHaveLength(0);
  });

  it.each([400, 401])('invalid_grant on %i is terminal', async (status) => {
    const error = await failWith(() =>
      json({ error: 'invalid_grant', error_description: 'revoked' }, status),
    );
    expect(error).toMatchObject({ kind: 'terminal', status, oauthError: 'invalid_grant' });
  });

  it('invalid_grant in a 200 body is terminal too', async () => {
    const error = await failWith(() => json({ error: 'invalid_grant' }, 200));
    expect(error).toMatchObject({ kind: 'terminal', status: 200, oauthError: 'invalid_grant' });
  });

  it.each([
    [400, 'invalid_client'],
    [401, 'invalid_client'],
    [400, 'unauthorized_client'],
    [400, 'unsupported_grant_type'],
    [400, 'invalid_scope'],
    [400, 'invalid_request'],
    [400, 'some_extension_error'],
    [403, 'invalid_grant'],
  ])('%i %s is a configuration error', async (status, code) => {
    const error = await failWith(() => json({ error: code }, status));
    expect(error).toMatchObject({ kind: 'config', status, oauthError: code });
  });

  it.each([
    [400, 'error body without error', () => json({ error_description: 'nope' }, 400)],
    [401, 'empty 401', () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic' } })],
    [403, 'HTML 403', () => new Response('<html>Forbidden</html>', { status: 403 })],
    [404, 'empty 404', () => new Response('', { status: 404 })],
    [302, 'redirect', () => new Response(null, { status: 302, headers: { location: 'https://x.example/' } })],
  ])('%i (%s) is a configuration error', async (status, _case, response) => {
    const error = await failWith(response);
    expect(error).toMatchObject({ kind: 'config', status, oauthError: undefined });
  });

  it.each([408, 429, 500, 502, 503, 504])('%i is transient', async (status) => {
    const error = await failWith(() => new Response('busy', { status }));
    expect(error).toMatchObject({ kind: 'transient', status, retryAfterMs: undefined });
  });

  it('temporarily_unavailable on a 400 is transient', async () => {
    const error = await failWith(() => json({ error: 'temporarily_unavailable' }, 400));
    expect(error).toMatchObject({ kind: 'transient', oauthError: 'temporarily_unavailable' });
  });

  it('a network error is transient and keeps its cause', async () => {
    const cause = new TypeError('fetch failed');
    const { refresh } = refreshWith(() => Promise.reject(cause));
    const error = await rejection(refresh(context()));
    expect(error).toMatchObject({ name: 'TokenEndpointError', kind: 'transient', status: undefined });
    expect((error as Error).cause).toBe(cause);
  });

  it('a stream that fails mid-body is transient', async () => {
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        c.enqueue(new TextEncoder().encode('{"access_'));
        c.error(new TypeError('terminated'));
      },
    });
    const error = await failWith(() => new Response(body, { status: 200 }));
    expect(error).toMatchObject({ kind: 'transient', status: 200 });
  });

  it('reads Retry-After as seconds', async () => {
    const error = await failWith(() => new Response('', { status: 503, headers: { 'retry-after': '120' } }));
    expect(error).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
  });

  it("reads Retry-After as an HTTP-date on the manager's clock", async () => {
    const at = new Date(NOW + 42_000).toUTCString();
    const error = await failWith(() => json({ error: 'slow_down' }, 429, { 'retry-after': at }));
    expect(error).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 42_000 });
  });
});

describe('oauth2Refresh: abort and timeout', () => {
  it('an already aborted signal rejects with its reason, without calling the server', async () => {
    const { refresh, requests } = refreshWith(() => json(tokenBody()));
    const reason = new Error('disposed');
    const error = await rejection(refresh(context({ signal: AbortSignal.abort(reason) })));
    expect(error).toBe(reason);
    expect(requests).toHaveLength(0);
  });

  it('aborting while fetch is pending rejects with the reason, even if fetch ignores the signal', async () => {
    const controller = new AbortController();
    const reason = new Error('tokens replaced');
    const { refresh, requests } = refreshWith(() => {
      queueMicrotask(() => controller.abort(reason));
      return never();
    });
    await expect(refresh(context({ signal: controller.signal }))).rejects.toBe(reason);
    expect(requests[0]?.init?.signal?.aborted).toBe(true);
  });

  it('aborting while the body is read rejects with the reason and cancels the stream', async () => {
    const controller = new AbortController();
    const reason = new Error('cleared');
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('{')),
      pull: () => {
        controller.abort(reason);
        return never();
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const { refresh } = refreshWith(() => new Response(body, { status: 200 }));
    await expect(refresh(context({ signal: controller.signal }))).rejects.toBe(reason);
    expect(cancelled).toBe(true);
  });

  it('a fetch that never answers times out as a transient error', async () => {
    const { refresh, requests } = refreshWith(() => never(), { timeoutMs: 30 });
    const error = await rejection(refresh(context()));
    expect(error).toMatchObject({ name: 'TokenEndpointError', kind: 'transient' });
    expect((error as Error).message).toContain('30 ms');
    expect(requests[0]?.init?.signal?.aborted).toBe(true);
  });

  it('a body that stalls times out as a transient error', async () => {
    const body = new ReadableStream<Uint8Array>({ pull: () => never() });
    const { refresh } = refreshWith(() => new Response(body, { status: 200 }), { timeoutMs: 30 });
    await expect(refresh(context())).rejects.toMatchObject({ kind: 'transient', status: 200 });
  });
});
