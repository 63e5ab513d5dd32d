import { afterEach, describe, expect, it, vi } from 'vitest';
import '../src/vitest.ts';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { oauthMatchers } from '../src/matchers.ts';
import { createOAuthServer, type OAuthServer } from '../src/oauth-server.ts';

const refresh = (emu: OAuthServer, refreshToken: string): Promise<Response> =>
  emu.fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });

describe('vitest matchers (@tokenrelay/msw/vitest)', () => {
  it('count refreshes, reuse, revoked grants, 401s and token calls', async () => {
    const emu = createOAuthServer();
    expect(emu).not.toHaveRefreshed();
    const { refreshToken, accessToken } = emu.issueTokens();
    await refresh(emu, refreshToken);
    expect(emu).toHaveRefreshed(1);
    expect(emu).toHaveRefreshed();
    expect(emu).not.toHaveDetectedReuse();
    await refresh(emu, refreshToken);
    expect(emu).toHaveDetectedReuse(1);
    expect(emu).toHaveRevokedGrants(1);
    expect(emu).toHaveReceivedTokenCalls(2);
    await emu.fetch(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${accessToken}` } });
    expect(emu).toHaveServedUnauthorized(1);
  });

  it('fail with a message saying what was expected and what happened', () => {
    const emu = createOAuthServer();
    expect(() => expect(emu).toHaveRefreshed(1)).toThrow(
      'expected the server to have refreshed 1 time(s), it did 0 time(s)',
    );
    expect(() => expect({}).toHaveRefreshed()).toThrow(/expected an OAuthServer/);
    expect(() => expect(emu).toHaveRefreshed(1.5)).toThrow(/whole number/);
  });
});

describe('jest matchers (@tokenrelay/msw/jest)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("extend jest's global expect when imported", async () => {
    const extend = vi.fn();
    vi.stubGlobal('expect', { extend });
    await import('../src/jest.ts');
    expect(extend).toHaveBeenCalledWith(oauthMatchers);
  });

  it('follow the protocol jest calls them with (this.isNot, { pass, message })', () => {
    const emu = createOAuthServer();
    const result = oauthMatchers.toHaveDetectedReuse.call({ isNot: true }, emu, undefined);
    expect(result.pass).toBe(false);
    expect(result.message()).toBe(
      'expected the server not to have detected refresh-token reuse at least once, it did 0 time(s)',
    );
  });
});
