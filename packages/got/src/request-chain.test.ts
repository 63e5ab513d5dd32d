/**
 * The chain registry: a chain reaches every hook through got's shallow copies of `context`, is never printed or
 * serialized with the options, and belongs to one `tokenRefresh()` only.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createChainRegistry, rememberToken } from './request-chain.ts';

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
    chain.sentToken = 'secret-access-token';
    chain.sentValue = 'Bearer secret-access-token';
    rememberToken(chain, 'secret-access-token');
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

  it('remembers each token a chain sent, once, for redaction', () => {
    const chains = createChainRegistry();
    const chain = chains.start({ context: {} });
    const other = chains.start({ context: {} });
    expect(chain.tokens).toEqual([]);
    rememberToken(chain, 'first');
    rememberToken(chain, 'first'); // got's own retry, same token
    rememberToken(chain, 'second'); // the replay
    expect(chain.tokens).toEqual(['first', 'second']);
    // Chains that sent nothing yet share nothing they could write to.
    expect(other.tokens).toEqual([]);
    expect(Object.isFrozen(other.tokens)).toBe(true);
  });
});
