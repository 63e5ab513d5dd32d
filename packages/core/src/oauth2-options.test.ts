import { describe, expect, it } from 'vitest';
import { ConfigurationError, isTokenRelayError } from './errors.ts';
import { type OAuth2RefreshOptions, oauth2Refresh } from './oauth2.ts';
import { context, fakeFetch, json, tokenBody } from './oauth2-test-fixtures.ts';

const create = (options: Partial<OAuth2RefreshOptions>) =>
  oauth2Refresh({
    tokenEndpoint: 'https://auth.example.com/token',
    clientId: 'client',
    fetch: fakeFetch(() => json(tokenBody())).fetch,
    ...options,
  });

const refused = (options: Partial<OAuth2RefreshOptions>): ConfigurationError => {
  let error: unknown;
  try {
    create(options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(isTokenRelayError(error, 'CONFIGURATION')).toBe(true);
  return error as ConfigurationError;
};

describe('oauth2Refresh: token endpoint', () => {
  it.each([
    'http://auth.example.com/token',
    'http://10.0.0.1/token',
    'http://127.0.0.1.example.com/token',
    'http://localhost.example.com/token',
    'http://[::2]/token',
  ])('refuses plain http to %s', (tokenEndpoint) => {
    expect(refused({ tokenEndpoint }).message).toMatch(/https/);
  });

  it.each([
    'http://127.0.0.1:8080/token',
    'http://127.5.6.7/token',
    'http://127.1/token',
    'http://localhost/token',
    'http://LOCALHOST:3000/token',
    'http://[::1]:9000/token',
    'http://[0:0:0:0:0:0:0:1]/token',
  ])('allows plain http to the loopback host of %s', async (tokenEndpoint) => {
    const fake = fakeFetch(() => json(tokenBody()));
    const refresh = oauth2Refresh({ tokenEndpoint, clientId: 'client', fetch: fake.fetch });
    await refresh(context());
    expect(fake.requests[0]?.url.startsWith('http://')).toBe(true);
  });

  it('allows plain http anywhere with allowInsecureHttp', () => {
    expect(create({ tokenEndpoint: 'http://auth.internal/token', allowInsecureHttp: true })).toBeTypeOf(
      'function',
    );
  });

  it('accepts a URL object', async () => {
    const fake = fakeFetch(() => json(tokenBody()));
    const tokenEndpoint = new URL('https://auth.example.com/t?tenant=a');
    await oauth2Refresh({ tokenEndpoint, clientId: 'c', fetch: fake.fetch })(context());
    expect(fake.requests[0]?.url).toBe('https://auth.example.com/t?tenant=a');
  });

  it.each([
    ['not a URL', 'auth.example.com/token'],
    ['another scheme', 'ftp://auth.example.com/token'],
    ['credentials in the URL', 'https://user:pass@auth.example.com/token'],
    ['a fragment', 'https://auth.example.com/token#x'],
  ])('refuses %s', (_case, tokenEndpoint) => {
    refused({ tokenEndpoint });
  });
});

describe('oauth2Refresh: other options', () => {
  it.each<[string, Partial<OAuth2RefreshOptions>]>([
    ['an empty clientId', { clientId: '' }],
    ['an empty clientSecret', { clientSecret: '' }],
    ['client_secret_basic without a secret', { clientAuth: 'client_secret_basic' }],
    ['client_secret_post without a secret', { clientAuth: 'client_secret_post' }],
    ['none with a secret', { clientAuth: 'none', clientSecret: 's' }],
    ['an unknown clientAuth', { clientAuth: 'private_key_jwt' as never, clientSecret: 's' }],
    ['extraParams replacing grant_type', { extraParams: { grant_type: 'password' } }],
    ['extraParams replacing refresh_token', { extraParams: { refresh_token: 'x' } }],
    ['extraParams replacing client_id', { extraParams: { client_id: 'x' } }],
    ['scope given twice', { scope: 'a', extraParams: { scope: 'b' } }],
    ['a non-string extraParams value', { extraParams: { audience: 1 as never } }],
    ['timeoutMs 0', { timeoutMs: 0 }],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }],
    ['timeoutMs beyond setTimeout', { timeoutMs: 2 ** 31 }],
    ['a negative maxResponseBytes', { maxResponseBytes: -1 }],
    ['a fractional maxResponseBytes', { maxResponseBytes: 1.5 }],
  ])('refuses %s', (_case, options) => {
    refused(options);
  });

  it('accepts scope in extraParams alone', async () => {
    const fake = fakeFetch(() => json(tokenBody()));
    await create({ fetch: fake.fetch, extraParams: { scope: 'read' } })(context());
    expect(fake.requests[0]?.body.get('scope')).toBe('read');
  });
});
