import { describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer } from '../src/oauth-server.ts';

type Emu = ReturnType<typeof createOAuthServer>;

const refresh = (emu: Emu, refreshToken: string, signal?: AbortSignal): Promise<Response> =>
  emu.fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    ...(signal ? { signal } : {}),
  });

describe('token-endpoint faults', () => {
  it('consumes one fault per call, in order, then answers normally', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.faults.enqueue(
      { type: 'status', status: 503, retryAfterSeconds: 7 },
      { type: 'status', status: 429 },
      { type: 'malformed', body: '<html>proxy error</html>', contentType: 'text/html' },
    );
    expect(emu.faults.pending).toBe(3);
    const unavailable = await refresh(emu, refreshToken);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('7');
    const limited = await refresh(emu, refreshToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    const malformed = await refresh(emu, refreshToken);
    expect(malformed.status).toBe(200);
    expect(malformed.headers.get('content-type')).toBe('text/html');
    expect(await malformed.text()).toBe('<html>proxy error</html>');
    // None of the faults used the refresh token: it still works once.
    expect((await refresh(emu, refreshToken)).status).toBe(200);
    expect(emu.counters).toMatchObject({ tokenCalls: 4, successfulRefreshes: 1, reuseDetections: 0 });
    expect(emu.faults.pending).toBe(0);
  });

  it('lost-after-rotation: the token rotated but the answer was a 502, so the old token is now reused', async () => {
    const emu = createOAuthServer();
    const { refreshToken, accessToken } = emu.issueTokens();
    emu.faults.enqueue({ type: 'lost-after-rotation' });
    const lost = await refresh(emu, refreshToken);
    expect(lost.status).toBe(502);
    expect(await lost.text()).not.toContain('rt_');
    expect(emu.counters.successfulRefreshes).toBe(1);
    const retried = await refresh(emu, refreshToken);
    expect(retried.status).toBe(400);
    expect(await retried.json()).toMatchObject({ error: 'invalid_grant' });
    expect(emu.counters.reuseDetections).toBe(1);
    expect(
      (await emu.fetch(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${accessToken}` } })).status,
    ).toBe(401);
  });

  it('lost-after-rotation with a dropped connection rejects fetch with a TypeError', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.faults.enqueue({ type: 'lost-after-rotation', status: 'network-error' });
    await expect(refresh(emu, refreshToken)).rejects.toBeInstanceOf(TypeError);
    expect((await refresh(emu, refreshToken)).status).toBe(400);
  });

  it('network-error drops the connection without touching the grant', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.faults.enqueue({ type: 'network-error' });
    await expect(refresh(emu, refreshToken)).rejects.toThrow('fetch failed');
    expect((await refresh(emu, refreshToken)).status).toBe(200);
  });

  it('latency delays the answer in real time and an abort ends the wait', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.faults.enqueue({ type: 'latency', ms: 150 });
    const started = performance.now();
    const response = await refresh(emu, refreshToken);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(200);

    emu.faults.enqueue({ type: 'latency', ms: 5_000 });
    const controller = new AbortController();
    const aborted = refresh(emu, 'rt_whatever', controller.signal);
    setTimeout(() => controller.abort(new Error('gave up')), 20);
    const abortedAt = performance.now();
    await expect(aborted).rejects.toThrow('gave up');
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
  });

  it('clear() drops scripted faults', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.faults.enqueue({ type: 'status', status: 500 });
    emu.faults.clear();
    expect((await refresh(emu, refreshToken)).status).toBe(200);
  });
});
