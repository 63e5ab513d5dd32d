/**
 * The chain registry: a chain reaches every hook through got's shallow copies of `context`, is never printed or
 * serialized with the options, and belongs to one `tokenRefresh()` only.
 */
import { inspect } from 'node:util';
import { SentToken } from '@tokenrelay/core/adapter-kit';
import { describe, expect, it } from 'vitest';
import { createChainRegistry } from './request-chain.ts';

describe('createChainRegistry', () => {
  it('finds the chain through shallow copies of the context (got copies it for retries and redirects)', () => {
    const chains = createChainRegistry();
    const options = { context: { user: 1 } };
    const chain = chains.start(options);
    expect(chains.get({ context: { ...options.context } })).toBe(chain);
    expect(chains.get({ context: {} })).toBeUndefined();
  });

  it('a new start replaces a chain inherited from other options', () => {
    const chains = createChainRegistry();
    const first = { context: {} };
    const earlier = chains.start(first);
    const derived = { context: { ...first.context } };
    const later = chains.start(derived);
    expect(later).not.toBe(earlier);
    expect(chains.get(derived)).toBe(later);
    expect(chains.get(first)).toBe(earlier);
  });

  it('two registries never see each other’s chains', () => {
    const a = createChainRegistry();
    const b = createChainRegistry();
    const options = { context: {} };
    const chain = a.start(options);
    expect(b.get(options)).toBeUndefined();
    expect(a.get(options)).toBe(chain);
  });

  it('what the chain holds never shows when the context is printed or serialized', () => {
    const chains = createChainRegistry();
    const options = { context: { user: 'visible' } };
    const chain = chains.start(options);
    chain.sent = new SentToken('secret-access-token', false);
    chain.sentValue = 'Bearer secret-access-token';
    chain.tokens.push('secret-access-token');
    chain.replayWith = { token: 'next-secret-token', type: 'Bearer' };
    for (const printed of [
      inspect(options, { depth: 10 }),
      inspect(options, { depth: 10, showHidden: true, getters: true, customInspect: false }),
      JSON.stringify(options),
    ]) {
      expect(printed).toContain('visible');
      expect(printed).not.toContain('secret');
    }
  });
});
