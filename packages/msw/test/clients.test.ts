import axios from 'axios';
import got from 'got';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer } from '../src/oauth-server.ts';
import type { ApiEcho } from '../src/options.ts';
import { startMsw } from './support.ts';

/** The emulation as the adapters' clients meet it: through msw's interceptors and over real sockets. */

interface TokenBody {
  readonly access_token: string;
  readonly refresh_token: string;
}

describe('through msw', () => {
  const emu = createOAuthServer();
  let msw: ReturnType<typeof startMsw>;
  beforeAll(() => {
    msw = startMsw(emu);
  });
  afterAll(() => msw.close());

  it('got refreshes with a form body and axios calls the API with the new token', async () => {
    const { refreshToken } = emu.issueTokens();
    const tokens = await got
      .post(emu.tokenEndpoint, {
        headers: { authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
      })
      .json<TokenBody>();
    const response = await axios.post<ApiEcho>(
      emu.apiUrl('/orders'),
      { qty: 2 },
      { headers: { authorization: `Bearer ${tokens.access_token}` } },
    );
    expect(response.data).toMatchObject({
      method: 'POST',
      path: '/orders',
      body: { qty: 2 },
      tokenSerial: 2,
    });
  });

  it('axios sees the 401 challenge of an expired token', async () => {
    const { accessToken } = emu.issueTokens();
    emu.expireAccessTokens();
    const failure = await axios
      .get(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${accessToken}` } })
      .catch((error: unknown) => error);
    expect(axios.isAxiosError(failure) && failure.response?.status).toBe(401);
    expect(axios.isAxiosError(failure) && failure.response?.headers['www-authenticate']).toContain(
      'invalid_token',
    );
  });
});

describe('over loopback sockets', () => {
  it('ky refreshes and calls the API', async () => {
    const emu = createOAuthServer();
    const live = await emu.listen();
    try {
      const { refreshToken } = emu.issueTokens();
      const tokens = await ky
        .post(live.tokenEndpoint, {
          headers: { authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        })
        .json<TokenBody>();
      const echo = await ky
        .put(live.apiUrl('/profile'), {
          json: { name: 'x' },
          headers: { authorization: `Bearer ${tokens.access_token}` },
        })
        .json<ApiEcho>();
      expect(echo).toMatchObject({ method: 'PUT', body: { name: 'x' }, origin: live.apiOrigin });
      // The rotated-out refresh token is refused with invalid_grant and kills the family.
      const reused = await got.post(live.tokenEndpoint, {
        headers: { authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
        throwHttpErrors: false,
        retry: { limit: 0 },
      });
      expect(reused.statusCode).toBe(400);
      expect(JSON.parse(reused.body)).toMatchObject({ error: 'invalid_grant' });
      expect(emu.counters.reuseDetections).toBe(1);
    } finally {
      await live.close();
    }
  });
});
