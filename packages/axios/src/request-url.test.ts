/**
 * `joinedUrl` joins `baseURL` and `url` itself instead of asking `instance.getUri` (which merges the config a second
 * time). Whatever it returns must name the origin that axios's own `getUri` names, on every axios the peer range
 * covers; the cases where versions differ are left to `getUri`.
 */
import { describe, expect, it } from 'vitest';
import { axiosVersions } from '../test/axios-versions.ts';
import { joinedUrl, requestUrl } from './request-url.ts';

const BASES = [
  undefined,
  '',
  'https://api.test',
  'https://api.test/',
  'https://api.test///',
  'https://api.test/v1',
  'https://api.test/v1/',
  'https://api.test?x=1',
  'https://user:pw@api.test:8443/v1',
  'http://127.0.0.1:8080',
  'HTTPS://API.TEST',
  'http://[::1]:3000/base',
  '//api.test/v1',
  '/api',
  'api',
  'https:api.test',
  ' https://api.test',
  'http://',
  'http:///',
];

const URLS = [
  undefined,
  '',
  '/',
  'items',
  '/items',
  '//items',
  'items?q=a:b',
  '/a:b',
  '?x',
  '#frag',
  'https://other.test/x',
  'HTTPS://OTHER.TEST',
  '//other.test/x',
  'http:other.test',
  'mailto:x@other.test',
  'a:b',
  ' /items',
  '\thttps://other.test/',
  '@other.test/x',
  ':8080/x',
];

type Config = Parameters<typeof joinedUrl>[0];

/** A config with only the keys that have a value, as axios's merged config has them. */
const configOf = (
  baseURL: string | undefined,
  url: string | undefined,
  allowAbsoluteUrls: boolean | undefined,
): Config => ({
  ...(baseURL === undefined ? {} : { baseURL }),
  ...(url === undefined ? {} : { url }),
  ...(allowAbsoluteUrls === undefined ? {} : { allowAbsoluteUrls }),
});

const originOf = (url: string | URL | undefined): string => {
  if (url === undefined) return 'unresolved';
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? 'unresolved' : origin;
  } catch {
    return 'unresolved';
  }
};

describe.each(axiosVersions)('$name: joinedUrl agrees with getUri', ({ axios }) => {
  const instance = axios.create({ baseURL: 'https://default.test', params: { a: 1 } });
  const viaGetUri = (config: Config): string => {
    try {
      return originOf(instance.getUri({ ...config, baseURL: config.baseURL ?? '' }));
    } catch {
      return 'unresolved';
    }
  };

  it('names the origin getUri names, for every join it does itself', () => {
    let joined = 0;
    for (const baseURL of BASES) {
      for (const url of URLS) {
        for (const allowAbsoluteUrls of [undefined, true, false]) {
          const config = configOf(baseURL, url, allowAbsoluteUrls);
          const own = joinedUrl(config);
          if (own === undefined) continue;
          joined += 1;
          expect({ ...config, origin: originOf(own) }).toEqual({ ...config, origin: viaGetUri(config) });
          // And requestUrl, which hands that string to the origin policy, resolves the same.
          expect(originOf(requestUrl(instance, config))).toBe(viaGetUri(config));
        }
      }
    }
    expect(joined).toBeGreaterThan(BASES.length * 4);
  });

  it('leaves to getUri what axios versions treat differently or reject', () => {
    const base = 'https://api.test';
    expect(
      joinedUrl({ baseURL: base, url: 'https://other.test/x', allowAbsoluteUrls: false }),
    ).toBeUndefined();
    expect(joinedUrl({ baseURL: base, url: 'http:other.test' })).toBeUndefined();
    expect(joinedUrl({ baseURL: 'https:api.test', url: '/x' })).toBeUndefined();
    expect(joinedUrl({ baseURL: base })).toBeUndefined();
    // The common cases are joined here.
    expect(joinedUrl({ baseURL: `${base}/v1/`, url: '/items' })).toBe(`${base}/v1/items`);
    expect(joinedUrl({ baseURL: base, url: 'https://other.test/x' })).toBe('https://other.test/x');
    expect(joinedUrl({ baseURL: '', url: 'https://other.test/x' })).toBe('https://other.test/x');
  });

  it('requestUrl: nothing for a URL that cannot be resolved (no page to resolve against here)', () => {
    expect(requestUrl(instance, configOf('', '/items', undefined))).toBeUndefined();
    expect(requestUrl(instance, configOf('/api', 'items', undefined))).toBeUndefined();
    expect(requestUrl(instance, configOf('https://api.test', '/items', undefined))).toBe(
      'https://api.test/items',
    );
  });

  it('requestUrl follows getUri where it does not join: allowAbsoluteUrls: false as this axios treats it', () => {
    const config = { baseURL: 'https://api.test', url: 'https://other.test/x', allowAbsoluteUrls: false };
    const honoured = Number(axios.VERSION.split('.')[1]) >= 8;
    expect(originOf(requestUrl(instance, config))).toBe(honoured ? 'https://api.test' : 'https://other.test');
  });
});
