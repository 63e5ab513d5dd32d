import { describe, expect, it } from 'vitest';
import { TokenEndpointError } from './errors.ts';
import { oauth2Refresh } from './oauth2.ts';
import { MAX_EXPIRES_IN_SECONDS } from './oauth2-response.ts';
import {
  ACCESS_TOKEN,
  context,
  ENDPOINT,
  fakeFetch,
  json,
  rejection,
  tokenBody,
} from './oauth2-test-fixtures.ts';

const refreshWith = (response: () => Response, maxResponseBytes?: number) =>
  oauth2Refresh({
    tokenEndpoint: ENDPOINT,
    clientId: 'client',
    fetch: fakeFetch(response).fetch,
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });

const configError = async (response: () => Response, maxResponseBytes?: number) => {
  const error = await rejection(refreshWith(response, maxResponseBytes)(context()));
  expect(error).toBeInstanceOf(TokenEndpointError);
  expect(error).toMatchObject({ kind: 'config', status: 200 });
  return error as TokenEndpointError;
};

describe('token response validation (RFC 6749 section 5.1)', () => {
  it.each([
    ['an HTML page', '<!doctype html><html><body>Sign in</body></html>'],
    ['truncated JSON', `{"access_token":"${ACCESS_TOKEN}","token_type":"Bea`],
    ['a JSON array', JSON.stringify([tokenBody()])],
    ['JSON null', 'null'],
    ['a JSON string', JSON.stringify(ACCESS_TOKEN)],
    ['an empty body', ''],
  ])('rejects %s as malformed', async (_case, text) => {
    const error = await configError(() => new Response(text, { status: 200 }));
    expect(error.message).toContain('not a JSON object');
  });

  it.each([
    ['missing', { access_token: undefined }],
    ['empty', { access_token: '' }],
    ['a number', { access_token: 12345 }],
    ['with a space', { access_token: 'abc def' }],
    ['with a newline', { access_token: 'abc\r\nX-Injected: 1' }],
    ['non-ASCII', { access_token: 'tökén' }],
  ])('rejects an access_token that is %s', async (_case, extra) => {
    const error = await configError(() => json(tokenBody(extra)));
    expect(error.message).toContain('access_token');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['DPoP', 'DPoP'],
    ['mac', 'mac'],
    ['a number', 1],
  ])('rejects a token_type that is %s', async (_case, tokenType) => {
    const error = await configError(() => json(tokenBody({ token_type: tokenType })));
    expect(error.message).toContain('token_type');
  });

  it.each(['BEARER', 'bearer', 'Bearer'])('accepts token_type %j and reports Bearer', async (tokenType) => {
    await expect(
      refreshWith(() => json(tokenBody({ token_type: tokenType })))(context()),
    ).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });

  it.each([
    ['a word', 'soon'],
    ['"NaN"', 'NaN'],
    ['"Infinity"', 'Infinity'],
    ['a negative number', -5],
    ['a negative string', '-5'],
    ['zero', 0],
    ['"0"', '0'],
    ['an exponent string', '1e3'],
    ['over ten years', MAX_EXPIRES_IN_SECONDS + 1],
    ['a huge number', 1e308],
    ['a boolean', true],
    ['an object', { seconds: 3600 }],
  ])('rejects expires_in that is %s', async (_case, expiresIn) => {
    const error = await configError(() => json(tokenBody({ expires_in: expiresIn })));
    expect(error.message).toContain('expires_in');
  });

  it.each([
    [3600, 3600],
    ['3600', 3600],
    [0.5, 0.5],
    ['299.5', 299.5],
    [MAX_EXPIRES_IN_SECONDS, MAX_EXPIRES_IN_SECONDS],
  ])('accepts expires_in %j', async (expiresIn, expected) => {
    await expect(
      refreshWith(() => json(tokenBody({ expires_in: expiresIn })))(context()),
    ).resolves.toMatchObject({
      expiresIn: expected,
    });
  });

  it.each([
    ['an empty refresh_token', { refresh_token: '' }],
    ['a numeric refresh_token', { refresh_token: 42 }],
    ['a non-string scope', { scope: ['read'] }],
  ])('rejects %s', async (_case, extra) => {
    await configError(() => json(tokenBody(extra)));
  });

  it('reads null fields and an empty scope as absent', async () => {
    const result = await refreshWith(() =>
      json(tokenBody({ expires_in: null, refresh_token: null, scope: '' })),
    )(context());
    expect(result).toEqual({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer' });
  });

  it('rejects a body that is not UTF-8', async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const error = await configError(() => new Response(bytes, { status: 200 }));
    expect(error.message).toContain('UTF-8');
  });
});

describe('response size limit', () => {
  it('refuses a body whose Content-Length is over the limit without reading it', async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => {
        pulls++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const error = await configError(
      () => new Response(body, { status: 200, headers: { 'content-length': '4096' } }),
      1024,
    );
    expect(error.message).toContain('larger than 1024 bytes');
    // The stream may fill its (one chunk) queue, but it is never drained.
    expect(pulls).toBeLessThanOrEqual(1);
  });

  it('stops reading and cancels an endless stream once it passes the limit', async () => {
    let pulls = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => {
        pulls++;
        if (pulls > 10_000) throw new Error('read far past the limit');
        c.enqueue(new Uint8Array(256).fill(0x20));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const error = await configError(() => new Response(body, { status: 200 }), 1000);
    expect(error.message).toContain('larger than 1000 bytes');
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThanOrEqual(6);
  });

  it('reads a body exactly at the limit', async () => {
    const text = JSON.stringify(tokenBody());
    const bytes = new TextEncoder().encode(text).byteLength;
    await expect(
      refreshWith(() => new Response(text, { status: 200 }), bytes)(context()),
    ).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
  });

  it('classifies an oversized error body by its status alone', async () => {
    const big = `{"error":"invalid_grant","pad":"${' '.repeat(2000)}"}`;
    const refreshAt = (status: number) =>
      rejection(refreshWith(() => new Response(big, { status }), 1000)(context()));
    await expect(refreshAt(400)).resolves.toMatchObject({ kind: 'config', oauthError: undefined });
    await expect(refreshAt(503)).resolves.toMatchObject({ kind: 'transient', status: 503 });
  });
});
