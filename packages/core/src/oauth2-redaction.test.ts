import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isTokenRelayError } from './errors.ts';
import { basicAuthorization, type OAuth2RefreshOptions, oauth2Refresh } from './oauth2.ts';
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  CLIENT_SECRET,
  context,
  ENDPOINT,
  fakeFetch,
  json,
  never,
  OLD_ACCESS_TOKEN,
  REFRESH_TOKEN,
  type Responder,
  rejection,
  tokenBody,
} from './oauth2-test-fixtures.ts';

/** A refresh token made only of characters an RFC 6749 error code may hold, to tempt an echo into `error`. */
const PLAIN_REFRESH_TOKEN = 'rt_Plain.Token-7f3a9c';

const secrets = [REFRESH_TOKEN, PLAIN_REFRESH_TOKEN, ACCESS_TOKEN, OLD_ACCESS_TOKEN, CLIENT_SECRET];
// The forms they take on the wire, should anything copy those.
const forms = [
  ...secrets,
  ...secrets.map((s) => new URLSearchParams({ s }).toString().slice(2)),
  basicAuthorization(CLIENT_ID, CLIENT_SECRET).slice('Basic '.length),
];

const echo = `${REFRESH_TOKEN} ${PLAIN_REFRESH_TOKEN} ${ACCESS_TOKEN} ${OLD_ACCESS_TOKEN} ${CLIENT_SECRET}`;

const expectRedacted = (error: unknown, checkCause = true): void => {
  expect(isTokenRelayError(error)).toBe(true);
  const err = error as Error;
  const shown = [
    err.message,
    String(err),
    err.stack ?? '',
    JSON.stringify(err),
    inspect(err),
    inspect(err, { depth: 9 }),
  ];
  if (checkCause && err.cause instanceof Error) shown.push(err.cause.message, inspect(err.cause));
  for (const text of shown) {
    for (const secret of forms) expect(text).not.toContain(secret);
  }
};

const scenarios: Array<[string, Responder, Partial<OAuth2RefreshOptions>?]> = [
  [
    'invalid_grant with a description quoting the tokens',
    () =>
      json(
        { error: 'invalid_grant', error_description: echo, error_uri: `https://x/?rt=${REFRESH_TOKEN}` },
        400,
      ),
  ],
  [
    'an error code that is the refresh token',
    (request) => json({ error: request.body.get('refresh_token') }, 400),
  ],
  [
    'an error code that starts with a code and quotes the token',
    () => json({ error: `invalid_grant ${PLAIN_REFRESH_TOKEN}` }, 400),
  ],
  ['a 200 error code that is the old access token', () => json({ error: OLD_ACCESS_TOKEN }, 200)],
  ['an HTML page quoting the tokens', () => new Response(`<html>${echo}</html>`, { status: 200 })],
  [
    'truncated JSON with the access token',
    () =>
      new Response(`{"access_token":"${ACCESS_TOKEN}","refresh_token":"${REFRESH_TOKEN}`, { status: 200 }),
  ],
  [
    'an access token with a space',
    () => json(tokenBody({ access_token: `${ACCESS_TOKEN} ${REFRESH_TOKEN}` })),
  ],
  ['an unknown token_type', () => json(tokenBody({ token_type: `DPoP ${ACCESS_TOKEN}` }))],
  ['a bad expires_in', () => json(tokenBody({ expires_in: REFRESH_TOKEN }))],
  ['a bad refresh_token', () => json(tokenBody({ refresh_token: { value: REFRESH_TOKEN } }))],
  ['a 401 quoting the secret', () => new Response(echo, { status: 401 })],
  [
    'a 503 quoting the tokens',
    () => json({ error: 'temporarily_unavailable', error_description: echo }, 503, { 'retry-after': '5' }),
  ],
  [
    'a redirect to a URL with the tokens',
    () => new Response(null, { status: 307, headers: { location: `https://evil.example/?${echo}` } }),
  ],
  [
    'an oversized body quoting the tokens',
    () => new Response(echo.repeat(100), { status: 200 }),
    {
      maxResponseBytes: 100,
    },
  ],
  [
    'a body that is not UTF-8',
    () => new Response(new Uint8Array([...new TextEncoder().encode(echo), 0xff]), { status: 200 }),
  ],
  ['a timeout', () => never(), { timeoutMs: 10 }],
];

describe('no token or secret in any error', () => {
  it.each(scenarios)('%s', async (_case, respond, options = {}) => {
    const refresh = oauth2Refresh({
      tokenEndpoint: ENDPOINT,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      fetch: fakeFetch(respond).fetch,
      ...options,
    });
    for (const refreshToken of [REFRESH_TOKEN, PLAIN_REFRESH_TOKEN]) {
      expectRedacted(await rejection(refresh(context({ refreshToken }))));
    }
  });

  it('drops an error code that quotes a token, but keeps the plain codes', async () => {
    const refresh = (body: unknown) =>
      oauth2Refresh({
        tokenEndpoint: ENDPOINT,
        clientId: 'c',
        fetch: fakeFetch(() => json(body, 400)).fetch,
      })(context({ refreshToken: PLAIN_REFRESH_TOKEN }));
    await expect(rejection(refresh({ error: PLAIN_REFRESH_TOKEN }))).resolves.toMatchObject({
      kind: 'config',
      oauthError: undefined,
    });
    await expect(rejection(refresh({ error: 'invalid_grant' }))).resolves.toMatchObject({
      kind: 'terminal',
      oauthError: 'invalid_grant',
    });
  });

  it('a network error whose own message quotes the tokens: only its name and code are shown', async () => {
    const cause = Object.assign(new TypeError(`connect failed for ${echo}`), { code: 'ECONNREFUSED' });
    const refresh = oauth2Refresh({
      tokenEndpoint: ENDPOINT,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      fetch: fakeFetch(() => Promise.reject(cause)).fetch,
    });
    const error = await rejection(refresh(context()));
    expect((error as Error).cause).toBe(cause);
    expectRedacted(error, false);
    expect(JSON.stringify(error)).toContain('ECONNREFUSED');
  });

  it.each<[string, Partial<OAuth2RefreshOptions>]>([
    [
      'a plain-http endpoint with the secret in its query',
      {
        tokenEndpoint: `http://auth.example.com/token?client_secret=${encodeURIComponent(CLIENT_SECRET)}`,
      },
    ],
    [
      'credentials in the endpoint URL',
      {
        tokenEndpoint: `https://${CLIENT_ID.replace(/\W/g, '')}:${encodeURIComponent(CLIENT_SECRET)}@auth.example.com/`,
      },
    ],
    ['a secret with clientAuth none', { clientAuth: 'none' }],
    ['extraParams that carry the refresh token', { extraParams: { refresh_token: REFRESH_TOKEN } }],
  ])('creation errors: %s', (_case, options) => {
    let error: unknown;
    try {
      oauth2Refresh({
        tokenEndpoint: ENDPOINT,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        ...options,
      });
    } catch (e) {
      error = e;
    }
    expectRedacted(error);
  });
});
