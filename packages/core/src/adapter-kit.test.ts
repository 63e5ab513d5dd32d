import { describe, expect, it } from 'vitest';
import {
  adapterSettings,
  authorizationValue,
  createOriginPolicy,
  defaultShouldRefresh,
} from './adapter-kit.ts';
import { ConfigurationError } from './errors.ts';

describe('createOriginPolicy', () => {
  const policy = createOriginPolicy(['https://api.example.com', 'http://127.0.0.1:8080/any/path']);

  it.each([
    ['https://api.example.com/v1/me', true],
    ['https://api.example.com:443/x', true], // default port is the same origin
    ['https://API.Example.com/x', true],
    ['https://user:pass@api.example.com/x', true],
    ['http://127.0.0.1:8080/x?q=1', true],
    ['http://api.example.com/x', false], // http vs https
    ['https://api.example.com:8443/x', false], // another port
    ['https://v2.api.example.com/x', false], // a subdomain is another origin
    ['https://example.com/x', false],
    ['https://api.example.com.evil.test/x', false],
    ['https://evil.test/https://api.example.com/', false],
    ['https://evil.test?https://api.example.com', false],
    ['https://evil.test#@api.example.com', false],
    ['https://api.example.com\\@evil.test/', true], // WHATWG: `\\` ends the host of a special URL
    ['https://evil.test\\@api.example.com/', false],
    ['http://127.0.0.1:8081/x', false],
    ['/relative/path', false],
    ['not a url', false],
  ])('%s -> %s (and the same again, from the remembered prefix)', (url, expected) => {
    expect(policy(url)).toBe(expected);
    expect(policy(url)).toBe(expected);
    expect(policy(new URL(url, 'https://page.test'))).toBe(url.startsWith('/') ? false : expected);
  });

  it('remembers a bounded number of prefixes and still decides correctly past the bound', () => {
    const p = createOriginPolicy('https://api.example.com');
    for (let i = 0; i < 1000; i += 1) expect(p(`https://host${i}.test/x`)).toBe(false);
    expect(p('https://api.example.com/x')).toBe(true);
    expect(p('https://evil.test/x')).toBe(false);
  });

  it("'*' allows every origin; nothing allowed without origins or a fallback", () => {
    expect(createOriginPolicy('*')('https://anything.test/')).toBe(true);
    expect(() => createOriginPolicy(undefined)).toThrow(ConfigurationError);
    expect(createOriginPolicy(undefined, 'https://base.test/v1/')('https://base.test/x')).toBe(true);
    expect(() => createOriginPolicy('not a url')).toThrow(ConfigurationError);
  });
});

describe('defaultShouldRefresh', () => {
  it('refreshes on 401 but not on insufficient_scope or other statuses', () => {
    expect(defaultShouldRefresh({ status: 401, wwwAuthenticate: 'Bearer error="invalid_token"' })).toBe(true);
    expect(defaultShouldRefresh({ status: 401 })).toBe(true);
    expect(defaultShouldRefresh({ status: 401, wwwAuthenticate: 'Bearer error="insufficient_scope"' })).toBe(
      false,
    );
    expect(defaultShouldRefresh({ status: 403, wwwAuthenticate: 'Bearer error="invalid_token"' })).toBe(
      false,
    );
    expect(defaultShouldRefresh({ status: 200 })).toBe(false);
  });
});

describe('header values and settings', () => {
  it('writes the scheme the token has (Bearer normalised) or the one configured', () => {
    expect(authorizationValue({ token: 't', type: 'bearer' })).toBe('Bearer t');
    expect(authorizationValue({ token: 't', type: 'DPoP' })).toBe('DPoP t');
    expect(authorizationValue({ token: 't', type: 'Bearer' }, 'Token')).toBe('Token t');
  });

  it('adapterSettings: origins win over the base URL; without origins, the policy of the base URL given', () => {
    const fixed = adapterSettings({ origins: 'https://api.test' });
    expect(fixed.policyFor('https://other.test')('https://api.test/x')).toBe(true);
    expect(fixed.policyFor('https://other.test')('https://other.test/x')).toBe(false);
    const byBase = adapterSettings({ headerName: 'X-Token', scheme: 'Token' });
    expect(byBase.policyFor('https://a.test/v1')('https://a.test/x')).toBe(true);
    expect(byBase.policyFor('https://b.test/v1')('https://a.test/x')).toBe(false);
    expect(() => byBase.policyFor(undefined)).toThrow(ConfigurationError);
    expect(byBase.headerName).toBe('X-Token');
    expect(byBase.headerValue({ token: 't', type: 'Bearer' })).toBe('Token t');
  });
});
