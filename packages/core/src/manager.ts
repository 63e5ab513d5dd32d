/**
 * `createTokenManager()`: runs the state machine (machine.ts). It owns the waiter queue, the timers (on the
 * injected clock), the store, the refresh call and the events; every decision is the machine's.
 */
import { Mutex } from 'async-mutex';
import { systemClock, unrefTimer } from './clock.ts';
import { DisposedError, QueueFullError, WaitTimeoutError } from './errors.ts';
import { createEmitter } from './events.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  type MachinePolicy,
  type MachineState,
  needsRefresh,
  proactiveEffects,
  transition,
} from './machine.ts';
import { memoryStore } from './memory-store.ts';
import { classifyRefreshError, normalizeRefreshResult } from './refresh-result.ts';
import type {
  AccessToken,
  GetAccessTokenOptions,
  RefreshOptions,
  TimerHandle,
  TokenManager,
  TokenManagerOptions,
  TokenManagerStatus,
  TokenSet,
} from './types.ts';

interface Waiter {
  resolve(token: AccessToken): void;
  reject(error: unknown): void;
}

/** Node's timers take a 32-bit delay and fire a longer one after 1 ms; timers re-arm when they fire early. */
const MAX_TIMER_MS = 2_147_483_647;

export const DEFAULTS = {
  skewMs: 60_000,
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxWaiters: 10_000,
  waitTimeoutMs: 30_000,
} as const;

/** Events carry no per-call data here, so one object serves every call. */
const TOKEN_NEEDED: MachineEvent = { type: 'token-needed' };

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const clock = options.clock ?? systemClock();
  const store = options.store ?? memoryStore(options.tokens);
  const stamp = (tokens: TokenSet): TokenSet =>
    tokens.issuedAt === undefined ? { ...tokens, issuedAt: clock.now() } : tokens;
  const random = options.random ?? Math.random;
  const policy: MachinePolicy = {
    skewMs: options.skewMs ?? DEFAULTS.skewMs,
    maxAttempts: Math.max(1, options.retry?.attempts ?? DEFAULTS.attempts),
    baseDelayMs: options.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs,
    maxDelayMs: options.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs,
    proactive: options.proactive ?? true,
  };
  const maxWaiters = options.queue?.maxWaiters ?? DEFAULTS.maxWaiters;
  const waitTimeoutMs = options.queue?.waitTimeoutMs ?? DEFAULTS.waitTimeoutMs;

  const events = createEmitter();
  const waiters = new Set<Waiter>();
  const mutex = new Mutex();
  let state = initialState(options.tokens === undefined ? undefined : stamp(options.tokens));
  let retryTimer: TimerHandle | undefined;
  let proactiveTimer: TimerHandle | undefined;
  let refreshAbort: AbortController | undefined;
  let disposed = false;
  let storeCleared: Promise<void> = Promise.resolve();
  // Store writes land in the order the manager issues them, whatever the store does with concurrent calls.
  let storeTail: Promise<void> = Promise.resolve();
  const persist = (write: () => Promise<void>): Promise<void> => {
    const done = storeTail.then(write);
    storeTail = done.catch(() => undefined);
    return done;
  };
  // The store is read once, on first use, unless initial tokens were given. `loaded`: that read has settled, so a
  // request can go straight to the machine without waiting a turn for `loading`.
  let loading: Promise<void> | undefined = options.tokens === undefined ? undefined : Promise.resolve();
  let loaded = loading !== undefined;
  /** For `setTokens` and `clear`, which make the store's old content irrelevant: no read after them. */
  const skipLoad = (): void => {
    if (loading !== undefined) return;
    loading = Promise.resolve();
    loaded = true;
  };

  const cancelTimers = (): void => {
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    if (proactiveTimer !== undefined) clock.clearTimeout(proactiveTimer);
    retryTimer = undefined;
    proactiveTimer = undefined;
  };

  const reportStoreError = (error: unknown): void => {
    events.emit('store-error', { error: error instanceof Error ? error : new Error('Token store failed') });
  };

  /**
   * The machine's last answer to `token-needed` when it was a plain grant: the token, no other effect, the state
   * unchanged. For that same state the machine answers the same as long as its own `needsRefresh` says that no
   * refresh is due (the token is then usable and nothing starts), so until then `getAccessToken` reuses the answer
   * without a transition. Every change of state is a new state object, which ends the reuse.
   */
  let lastGrant: { readonly state: MachineState; readonly answer: Effect } | undefined;

  /** Feeds one event to the machine, runs its effects, and returns the answer meant for the caller, if any. */
  const dispatch = (event: MachineEvent, now: number = clock.now()): Effect | undefined => {
    const before = state;
    const result = transition(state, event, now, policy);
    state = result.state;
    let answer: Effect | undefined;
    for (const effect of result.effects) {
      if (effect.type === 'grant' || effect.type === 'wait' || effect.type === 'fail') answer = effect;
      else run(effect);
    }
    if (
      event === TOKEN_NEEDED &&
      answer?.type === 'grant' &&
      result.effects.length === 1 &&
      state === before
    ) {
      // Shared by the callers that reuse it: frozen, so that none can change it for the others.
      Object.freeze(answer.token);
      lastGrant = { state, answer };
    } else if (lastGrant !== undefined && lastGrant.state !== state) {
      lastGrant = undefined;
    }
    return answer;
  };

  /** `token-needed`: the last plain grant while the machine would repeat it (see `lastGrant`), else the machine. */
  const tokenNeeded = (): Effect | undefined => {
    const now = clock.now();
    if (lastGrant !== undefined && lastGrant.state === state && !needsRefresh(state, now, policy)) {
      return lastGrant.answer;
    }
    return dispatch(TOKEN_NEEDED, now);
  };

  const run = (effect: Effect): void => {
    switch (effect.type) {
      case 'start-refresh':
        events.emit('refresh', { reason: effect.reason, attempt: effect.attempt });
        void refreshJob(effect.epoch, effect.tokens);
        return;
      case 'abort-refresh':
        refreshAbort?.abort();
        refreshAbort = undefined;
        return;
      case 'resolve-waiters':
      case 'reject-waiters': {
        const settled = [...waiters];
        waiters.clear();
        for (const waiter of settled) {
          if (effect.type === 'resolve-waiters') waiter.resolve(effect.token);
          else waiter.reject(effect.error);
        }
        return;
      }
      case 'schedule-retry':
        if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
        retryTimer = unrefTimer(
          clock.setTimeout(
            () => {
              retryTimer = undefined;
              dispatch({ type: 'retry-due', epoch: effect.epoch });
            },
            Math.min(effect.delayMs, MAX_TIMER_MS),
          ),
        );
        return;
      case 'schedule-proactive':
        if (proactiveTimer !== undefined) clock.clearTimeout(proactiveTimer);
        proactiveTimer = unrefTimer(
          clock.setTimeout(
            () => {
              proactiveTimer = undefined;
              dispatch({ type: 'proactive-due', epoch: effect.epoch });
            },
            Math.min(effect.delayMs, MAX_TIMER_MS),
          ),
        );
        return;
      case 'cancel-timers':
        cancelTimers();
        return;
      case 'clear-store':
        storeCleared = persist(() => store.clear()).catch(reportStoreError);
        return;
      case 'emit-tokens':
        events.emit('tokens', effect.tokens);
        return;
      case 'emit-refreshed':
        events.emit('refreshed', { expiresAt: effect.tokens.expiresAt });
        return;
      case 'emit-refresh-failed':
        events.emit('refresh-failed', {
          error: effect.error,
          attempt: effect.attempt,
          willRetry: effect.willRetry,
        });
        return;
      case 'emit-reauth-required':
        events.emit('reauth-required', { error: effect.error });
        return;
      case 'grant':
      case 'wait':
      case 'fail':
        return;
    }
  };

  /** One refresh attempt: at most one runs at a time, and its result is persisted before anyone uses it. */
  const refreshJob = async (epoch: number, tokens: TokenSet | undefined): Promise<void> => {
    const abort = new AbortController();
    refreshAbort = abort;
    const isCurrent = (): boolean => state.epoch === epoch && state.status === 'refreshing';
    try {
      await mutex.runExclusive(async () => {
        const attempt = async (): Promise<TokenSet> => {
          if (store.lock !== undefined) {
            // Another process may have refreshed while we waited for the lock: use its tokens.
            const latest = await store.get();
            if (latest !== undefined && latest.accessToken !== tokens?.accessToken) return latest;
          }
          // A refresh queued behind another one may have been superseded (clear, setTokens) meanwhile.
          abort.signal.throwIfAborted();
          const result = await options.refresh({
            tokens,
            refreshToken: tokens?.refreshToken,
            signal: abort.signal,
            now: () => clock.now(),
          });
          const fresh = normalizeRefreshResult(result, tokens, clock.now());
          // New tokens are persisted before any waiter uses them; a superseded result is not persisted.
          if (isCurrent()) await persist(() => store.set(fresh)).catch(reportStoreError);
          return fresh;
        };
        try {
          const next = await (store.lock === undefined ? attempt() : store.lock(attempt));
          // Still inside the lock, so that `revoke()` (which takes it too) sees these tokens.
          if (!abort.signal.aborted) dispatch({ type: 'refresh-succeeded', epoch, tokens: next });
        } catch (error) {
          if (abort.signal.aborted) return;
          dispatch({ type: 'refresh-failed', epoch, ...classifyRefreshError(error), jitter: random() });
        }
      });
    } finally {
      if (refreshAbort === abort) refreshAbort = undefined;
    }
  };

  const load = (): Promise<void> => {
    loading ??= store.get().then(
      (tokens) => {
        loaded = true;
        if (tokens !== undefined && state.tokens === undefined && state.epoch === 0) {
          dispatch({ type: 'tokens-set', tokens: stamp(tokens), source: 'store' });
        }
      },
      (error: unknown) => {
        loaded = true;
        reportStoreError(error);
      },
    );
    return loading;
  };

  const wait = (signal: AbortSignal | undefined): Promise<AccessToken> => {
    if (waiters.size >= maxWaiters) return Promise.reject(new QueueFullError(maxWaiters));
    return new Promise<AccessToken>((resolve, reject) => {
      const cleanup = (): void => {
        waiters.delete(waiter);
        clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (token) => {
          cleanup();
          resolve(token);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      const timer = unrefTimer(
        clock.setTimeout(() => waiter.reject(new WaitTimeoutError(waitTimeoutMs)), waitTimeoutMs),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
    });
  };

  const request = async (event: MachineEvent, signal: AbortSignal | undefined): Promise<AccessToken> => {
    if (disposed) throw new DisposedError();
    signal?.throwIfAborted();
    if (!loaded) {
      await load();
      if (disposed) throw new DisposedError();
      signal?.throwIfAborted();
    }
    // A grant is answered without another turn of the event loop.
    const answer = event === TOKEN_NEEDED ? tokenNeeded() : dispatch(event);
    if (answer?.type === 'grant') return answer.token;
    if (answer?.type === 'fail') throw answer.error;
    return wait(signal);
  };

  for (const effect of proactiveEffects(state, clock.now(), policy)) run(effect);

  return {
    getAccessToken: (opts?: GetAccessTokenOptions) => request(TOKEN_NEEDED, opts?.signal),
    refresh: (opts?: RefreshOptions) =>
      request({ type: 'unauthorized', failedToken: opts?.failedToken }, opts?.signal),
    async setTokens(tokens: TokenSet): Promise<void> {
      if (disposed) throw new DisposedError();
      const stamped = stamp(tokens);
      skipLoad();
      // The user's tokens take effect at once (they were never used for a refresh, so nothing can be lost if
      // the process ends before the write); the write is ordered after every earlier one.
      dispatch({ type: 'tokens-set', tokens: stamped, source: 'user' });
      await persist(() => store.set(stamped));
    },
    async clear(): Promise<void> {
      if (disposed) throw new DisposedError();
      skipLoad();
      dispatch({ type: 'cleared' });
      await storeCleared;
    },
    async revoke(opts?: { readonly signal?: AbortSignal | undefined }): Promise<void> {
      if (disposed) throw new DisposedError();
      await load();
      await mutex.runExclusive(async () => {
        const tokens = state.tokens;
        dispatch({ type: 'cleared' });
        await storeCleared;
        if (options.revoke === undefined || tokens === undefined) return;
        await options.revoke({
          tokens,
          signal: opts?.signal ?? new AbortController().signal,
          now: () => clock.now(),
        });
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      cancelTimers();
      refreshAbort?.abort();
      const error = new DisposedError();
      for (const waiter of [...waiters]) waiter.reject(error);
      events.clear();
    },
    get state(): TokenManagerStatus {
      return state.status;
    },
    get waiting(): number {
      return waiters.size;
    },
    on: events.on,
  };
}
