/**
 * `basePolicies` remembers a request's origin policy per base URL as given; it must answer exactly as building the
 * policy from `clientBaseUrl` on every call would, and never let one base URL's answer stand for another's.
 */
import { adapterSettings, ConfigurationError } from '@tokenrelay/core';
import type { NormalizedOptions } from 'ky';
import { describe, expect, it, vi } from 'vitest';
import { basePolicies, clientBaseUrl } from './options.ts';

const settings = adapterSettings({});
type Base = Pick<NormalizedOptions, 'prefix' | 'baseUrl'>;

const BASES: Base[] = [
  { prefix: '', baseUrl: 'https://api.test/v1/' },
  { prefix: '', baseUrl: 'https://other.test' },
  { prefix: 'https://api.test:8443/v2' },
  { prefix: 'https://other.test', baseUrl: 'https://api.test' },
  // Same characters, split differently between prefix and baseUrl: must not share a remembered answer.
  { prefix: 'https://a.test', baseUrl: 'https://b.test' },
  { prefix: 'https://a.testhttps://b.test', baseUrl: '' },
];
const URLS = [
  'https://api.test/x',
  'https://api.test:8443/x',
  'https://other.test/',
  'https://a.test/',
  'https://b.test/',
];

describe('basePolicies', () => {
  it('answers as a policy built from the request base URL each time would, twice in a row', () => {
    const policyOf = basePolicies((fallback) => settings.policyFor(fallback));
    for (let round = 0; round < 2; round++) {
      for (const base of BASES) {
        const expected = settings.policyFor(clientBaseUrl(base));
        for (const url of URLS) expect([base, url, policyOf(base)(url)]).toEqual([base, url, expected(url)]);
      }
    }
  });

  it('builds a policy once per base URL', () => {
    const policyFor = vi.fn((fallback?: URL) => settings.policyFor(fallback));
    const policyOf = basePolicies(policyFor);
    for (let i = 0; i < 3; i++) policyOf({ prefix: '', baseUrl: 'https://api.test/v1/' });
    expect(policyFor).toHaveBeenCalledTimes(1);
  });

  it('remembers no failure: a request without a base URL fails every time', () => {
    const policyOf = basePolicies((fallback) => settings.policyFor(fallback));
    for (let i = 0; i < 2; i++) expect(() => policyOf({ prefix: '' })).toThrow(ConfigurationError);
  });

  it('stays bounded and still answers correctly past its bound', () => {
    const policyFor = vi.fn((fallback?: URL) => settings.policyFor(fallback));
    const policyOf = basePolicies(policyFor);
    for (let i = 0; i < 200; i++) {
      expect(policyOf({ prefix: '', baseUrl: `https://h${i}.test/` })(`https://h${i}.test/x`)).toBe(true);
      expect(policyOf({ prefix: '', baseUrl: `https://h${i}.test/` })('https://api.test/x')).toBe(false);
    }
    // 64 remembered; the others are built on each call.
    expect(policyFor).toHaveBeenCalledTimes(64 + 2 * (200 - 64));
  });
});
