import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer, type OAuthServer } from '../src/oauth-server.ts';

/** The fault controls, and the default clock under vitest's fake timers. */

const refresh = (emu: OAuthServer, refreshToken: string): Promise<Response> =>
  emu.fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('controls', () => {
  it('failNext(n, { status, retryAfter }) answers n calls with that status, then the grant works', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.failNext(2, { status: 429, retryAfter: 3 });
    const first = await refresh(emu, refreshToken);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await refresh(emu, refreshToken)).status).toBe(429);
    expect((await refresh(emu, refreshToken)).status).toBe(200);
    expect(emu.counters).toMatchObject({ tokenCalls: 3, refreshes: 1 });
    expect(() => emu.failNext(-1)).toThrow(RangeError);
  });

  it('malformedNext() answers 200 with an HTML page and changes nothing', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.malformedNext();
    const page = await refresh(emu, refreshToken);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html']);
    expect(await page.text()).toMatch(/^<html>/);
    emu.malformedNext('{"access_token":1}');
    expect(await (await refresh(emu, refreshToken)).json()).toEqual({ access_token: 1 });
    expect((await refresh(emu, refreshToken)).status).toBe(200);
  });

  it('loseResponseAfterRotation() rotates, then loses the answer; the retry is a reuse', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.loseResponseAfterRotation();
    expect((await refresh(emu, refreshToken)).status).toBe(502);
    expect((await refresh(emu, refreshToken)).status).toBe(400);
    expect(emu.counters).toMatchObject({ refreshes: 1, reuseDetections: 1, grantsRevoked: 1 });
    const other = emu.issueTokens();
    emu.loseResponseAfterRotation({ status: 'network-error' });
    await expect(refresh(emu, other.refreshToken)).rejects.toBeInstanceOf(TypeError);
    expect(emu.counters.refreshes).toBe(2);
  });

  it('networkErrorNext(n) drops n connections before anything happens', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.networkErrorNext(2);
    await expect(refresh(emu, refreshToken)).rejects.toBeInstanceOf(TypeError);
    await expect(refresh(emu, refreshToken)).rejects.toBeInstanceOf(TypeError);
    expect((await refresh(emu, refreshToken)).status).toBe(200);
    expect(emu.counters.requestLog.map((record) => record.status)).toEqual([0, 0, 200]);
  });

  it('latency(ms) delays every token answer on the timers of the moment (fake timers included)', async () => {
    vi.useFakeTimers();
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    emu.latency(2_000);
    let status = 0;
    const pending = refresh(emu, refreshToken).then((response) => {
      status = response.status;
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(status).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(status).toBe(200);
    emu.latency(0);
    expect((await refresh(emu, refreshToken)).status).toBe(400); // rotated above: a reuse, answered at once
  });
});

describe('the default clock under vitest fake timers', () => {
  it('expires access tokens when the fake time passes their lifetime', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const emu = createOAuthServer({ accessTokenTtl: 60_000 });
    const { accessToken, expiresAt } = emu.issueTokens();
    expect(expiresAt).toBe(Date.parse('2026-01-01T00:01:00Z'));
    const call = async () =>
      (await emu.fetch(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${accessToken}` } })).status;
    vi.advanceTimersByTime(59_999);
    expect(await call()).toBe(200);
    vi.advanceTimersByTime(1);
    expect(await call()).toBe(401);
  });
});
