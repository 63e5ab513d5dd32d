/**
 * The chain registry: a chain reaches every hook through got's shallow copies of `context`, is never printed or
 * serialized with the options, and belongs to one `tokenRefresh()` only.
 */
import { inspect } from 'node:util';
import type { AccessToken } from '@tokenrelay/core';
import { describe, expect, it } from 'vitest';
import { type ChainRegistry, createChainRegistry, type RequestChain } from './request-chain.ts';

const headerValue = (token: AccessToken): string => `Bearer ${token.token}`;
/** A token as the manager hands it out: one frozen object per token. */
const tokenOf = (token: string): AccessToken => Object.freeze({ token, type: 'Bearer' });

describe('createChainRegistry', () => {
  it('finds the chain through shallow copies of the context (got copies it for retries and redirects)', () => {
    const chains = createChainRegistry(headerValue);
    const context = { user: 1 };
    const chain = chains.start(context);
    expect(chains.get({ ...context })).toBe(chain);
    expect(chains.get({})).toBeUndefined();
  });

  it('a new start replaces a chain inherited from other options', () => {
    const chains = createChainRegistry(headerValue);
    const first = {};
    const earlier = chains.start(first);
    const derived = { ...first };
    const later = chains.start(derived);
    expect(later).not.toBe(earlier);
    expect(chains.get(derived)).toBe(later);
    expect(chains.get(first)).toBe(earlier);
  });

  it('two registries never see each other’s chains', () => {
    const a = createChainRegistry(headerValue);
    const b = createChainRegistry(headerValue);
    const context = {};
    const chain = a.start(context);
    expect(b.get(context)).toBeUndefined();
    expect(a.get(context)).toBe(chain);
  });

  it('what the chain holds never shows when the context is printed or serialized', () => {
    const chains = createChainRegistry(headerValue);
    const options = { context: { user: 'visible' } };
    const chain = chains.start(options.context);
    chains.sent(options.context, chain, 'secret-access-token', 'Bearer secret-access-token');
    chain.replayWith = { token: 'next-secret-token', type: 'Bearer' };
    const shared = { context: { user: 'visible' } };
    chains.firstAttempt(shared.context, tokenOf('secret-first-pass'));
    for (const printed of [
      inspect(options, { depth: 10 }),
      inspect(options, { depth: 10, showHidden: true, getters: true, customInspect: false }),
      JSON.stringify(options),
      inspect(shared, { depth: 10, showHidden: true, getters: true, customInspect: false }),
      JSON.stringify(shared),
    ]) {
      expect(printed).toContain('visible');
      expect(printed).not.toContain('secret');
    }
  });

  it('remembers each token a chain sent, once, for redaction; a list is never shared with another token', () => {
    const chains = createChainRegistry(headerValue);
    const [a, b, c] = [{}, {}, {}];
    const chain = chains.start(a);
    const other = chains.start(b);
    const third = chains.start(c);
    expect(chain.tokens).toEqual([]);
    chains.sent(a, chain, 'first', 'Bearer first');
    chains.sent(a, chain, 'first', 'Bearer first'); // got's own retry, same token
    chains.sent(b, other, 'first', 'Bearer first');
    chains.sent(a, chain, 'second', 'Bearer second'); // the replay
    chains.sent(c, third, 'second', 'Bearer second');
    expect(chain.tokens).toEqual(['first', 'second']);
    expect(chain.sentToken).toBe('second');
    expect(chain.sentValue).toBe('Bearer second');
    expect(other.tokens).toEqual(['first']);
    expect(third.tokens).toEqual(['second']);
    // Lists are shared between chains, so none can be written to.
    for (const list of [chain.tokens, other.tokens, third.tokens]) expect(Object.isFrozen(list)).toBe(true);
  });
});

describe('a first attempt (the state shared by every call that sent the same token)', () => {
  const FIRST = tokenOf('first');
  const SECOND = tokenOf('second');
  const stateOf = (chains: ChainRegistry, context: object): RequestChain => {
    const state = chains.get(context);
    if (state === undefined) throw new Error('no state on this context');
    return state;
  };

  it('returns the header value; calls that sent the same token share one frozen state, another token gets its own', () => {
    const chains = createChainRegistry(headerValue);
    const [a, b, c] = [{}, {}, {}];
    expect(chains.firstAttempt(a, FIRST)).toBe('Bearer first');
    expect(chains.firstAttempt(b, FIRST)).toBe('Bearer first');
    expect(chains.firstAttempt(c, SECOND)).toBe('Bearer second');
    expect(stateOf(chains, a)).toBe(stateOf(chains, b));
    expect(stateOf(chains, a)).toMatchObject({
      shared: true,
      sentToken: 'first',
      sentValue: 'Bearer first',
      tokens: ['first'],
      replayed: false,
    });
    expect(Object.isFrozen(stateOf(chains, a))).toBe(true);
    expect(stateOf(chains, c)).toMatchObject({ shared: true, sentToken: 'second', tokens: ['second'] });
  });

  it('a token object that is not frozen is read afresh every time (it may have changed)', () => {
    const chains = createChainRegistry(headerValue);
    const token = { token: 'first', type: 'Bearer' };
    const [a, b] = [{}, {}];
    expect(chains.firstAttempt(a, token)).toBe('Bearer first');
    token.token = 'second';
    expect(chains.firstAttempt(b, token)).toBe('Bearer second');
    expect(stateOf(chains, b)).toMatchObject({ sentToken: 'second', tokens: ['second'] });
    expect(stateOf(chains, a)).toMatchObject({ sentToken: 'first', tokens: ['first'] });
  });

  it('a change of state goes to a copy of the call’s own, which every later copy of its context sees', () => {
    const chains = createChainRegistry(headerValue);
    const call = {};
    const other = {};
    chains.firstAttempt(call, FIRST);
    chains.firstAttempt(other, FIRST);
    const shared = stateOf(chains, call);
    const own = chains.own(call, shared);
    own.replayed = true;
    expect(own).not.toBe(shared);
    expect(own).toMatchObject({
      shared: false,
      sentToken: 'first',
      sentValue: 'Bearer first',
      tokens: ['first'],
    });
    expect(chains.get(call)).toBe(own);
    expect(chains.get({ ...call })).toBe(own);
    // The other call, and the shared state itself, are untouched.
    expect(chains.get(other)).toBe(shared);
    expect(shared.replayed).toBe(false);
    // Its own chain is never copied again.
    expect(chains.own(call, own)).toBe(own);
  });

  it('got’s retry with the same token keeps the shared state; another token makes the call’s own with both', () => {
    const chains = createChainRegistry(headerValue);
    const call = {};
    chains.firstAttempt(call, FIRST);
    const retry = { ...call };
    const shared = stateOf(chains, retry);
    chains.sent(retry, shared, 'first', 'Bearer first');
    expect(chains.get(retry)).toBe(shared);
    chains.sent(retry, shared, 'second', 'Bearer second');
    expect(stateOf(chains, retry)).toMatchObject({
      shared: false,
      sentToken: 'second',
      tokens: ['first', 'second'],
    });
    expect(chains.get(call)).toBe(shared);
    expect(shared.tokens).toEqual(['first']);
  });

  it('forget() drops a state inherited from an earlier call’s options, and only there', () => {
    const chains = createChainRegistry(headerValue);
    const earlier = {};
    chains.firstAttempt(earlier, FIRST);
    const own = chains.own(earlier, chains.get(earlier));
    own.replayed = true;
    const next = { ...earlier };
    chains.forget(next);
    expect(chains.get(next)).toBeUndefined();
    expect(chains.get(earlier)).toBe(own);
  });
});
