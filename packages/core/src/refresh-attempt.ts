/**
 * One refresh attempt, as the manager's refresh job runs it (inside the store's lock when the store has one):
 * re-read under the lock and adopt newer tokens, confirm the lock, call the refresh function, check its result,
 * persist it with the next version, and on a refused write take what the store holds.
 */
import { isUsable } from './freshness.ts';
import { initialState } from './machine-types.ts';
import { normalizeRefreshResult } from './refresh-result.ts';
import { isNewer, type StoreSync } from './store-sync.ts';
import type { Clock, HeldLock, RefreshFunction, TokenSet } from './types.ts';

export interface AttemptDeps {
  readonly sync: StoreSync;
  readonly refresh: RefreshFunction;
  readonly clock: Clock;
  /** Gives tokens without `issuedAt` the current time. */
  readonly stamp: (tokens: TokenSet) => TokenSet;
}

export interface AttemptInput {
  /** The tokens being refreshed (what the machine holds). */
  readonly tokens: TokenSet | undefined;
  /** The refresh's signal (the manager's abort and, under a lock, the lock's). */
  readonly signal: AbortSignal;
  /** The lock held, when the store has one. */
  readonly held: HeldLock | undefined;
  /** Is this attempt still the machine's current refresh? A superseded result is not persisted. */
  readonly isCurrent: () => boolean;
}

/** Resolves with the tokens to use (new, or adopted from the store); rejects with what the refresh threw. */
export async function refreshAttempt(deps: AttemptDeps, input: AttemptInput): Promise<TokenSet> {
  const { sync, clock, stamp } = deps;
  const { tokens, signal, held } = input;
  let base = tokens;
  if (held !== undefined) {
    // Another process may have refreshed while we waited for the lock: its tokens are newer by version or by
    // refresh token (not only by access token). Usable ones are adopted; otherwise they are what we refresh.
    const latest = await sync.read(signal);
    if (latest !== undefined && isNewer(latest, tokens)) {
      const stamped = stamp(latest);
      const replaced = stamped.accessToken === tokens?.accessToken;
      if (!replaced && isUsable(initialState(stamped), clock.now())) return stamped;
      // Not usable as they are: refresh them (their refresh token is the newest there is).
      base = stamped;
    }
    // Right before anything is sent: a holder whose lease ran out (a paused process) sends nothing.
    await held.confirm();
  }
  // A refresh queued behind another one may have been superseded (clear, setTokens) meanwhile.
  signal.throwIfAborted();
  const result = await deps.refresh({
    tokens: base,
    refreshToken: base?.refreshToken,
    signal,
    now: () => clock.now(),
  });
  const fresh: TokenSet = {
    ...normalizeRefreshResult(result, base, clock.now()),
    version: (base?.version ?? 0) + 1,
  };
  // New tokens are persisted before any waiter uses them; a superseded result is not persisted.
  if (input.isCurrent() && (await sync.write(fresh)) === 'conflict') {
    // Someone wrote newer tokens meanwhile: theirs win.
    const stored = await sync.read(signal).catch(() => undefined);
    if (stored !== undefined) return stamp(stored);
  }
  return fresh;
}
