/**
 * The chain registry: a chain reaches every hook through got's shallow copies of `context`, is never printed or
 * serialized with the options, and belongs to one `tokenRefresh()` only.
 */
import { inspect } from 'node:util';
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
    chain.sentToken = 'secret-access-token';
    chain.sentValue = 'Bearer secret-access-token';
    chains.remember(chain, 'secret-access-token');
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

  it('remembers each token a chain sent, once, for redaction; a list is never shared with another token', () => {
    const chains = createChainRegistry();
    const chain = chains.start({ context: {} });
    const other = chains.start({ context: {} });
    const third = chains.start({ context: {} });
    expect(chain.tokens).toEqual([]);
    chains.remember(chain, 'first');
    chains.remember(chain, 'first'); // got's own retry, same token
    chains.remember(other, 'first');
    chains.remember(chain, 'second'); // the replay
    chains.remember(third, 'second');
    expect(chain.tokens).toEqual(['first', 'second']);
    expect(other.tokens).toEqual(['first']);
    expect(third.tokens).toEqual(['second']);
    // Lists are shared between chains, so none can be written to.
    for (const list of [chain.tokens, other.tokens, third.tokens]) expect(Object.isFrozen(list)).toBe(true);
  });
});
