/**
 * `createTokenManager()`: runs the state machine (machine.ts). Every decision is the machine's; the manager runs
 * its effects with named pieces: the waiter queue (waiter-queue.ts), the store (store-sync.ts), the first store read
 * (first-read.ts), tokens other processes wrote (store-follow.ts), the reuse of a plain grant (grant-memo.ts), timers
 * (timers.ts), options checked once (validate.ts) and one refresh attempt (refresh-attempt.ts). What stays here:
 * dispatching events, running effects, and the refresh job (inside the store's lock, when it has one).
 */
import { Mutex } from 'async-mutex';
import { DisposedError, WaitTimeoutError } from './errors.ts';
import { createEmitter, emitEffect } from './events.ts';
import { createFirstRead } from './first-read.ts';
import { createGrantMemo } from './grant-memo.ts';
import { transition } from './machine.ts';
import { type Effect, initialState, type MachineEvent, type MachinePolicy } from './machine-types.ts';
import { refreshAttempt } from './refresh-attempt.ts';
import { classifyRefreshError } from './refresh-result.ts';
import { markEnforcesTimeoutMs, timeLeft } from './request-limit.ts';
import { createStoreFollower } from './store-follow.ts';
import { createStoreSync } from './store-sync.ts';
import { startTimer } from './timers.ts';
import type {
  AccessToken,
  GetAccessTokenOptions,
  HeldLock,
  RefreshOptions,
  TokenManager,
  TokenManagerOptions,
  TokenManagerStatus,
  TokenSet,
} from './types.ts';
import { checkTokens, DEFAULTS, requestTimeout, resolveOptions } from './validate.ts';
import { createWaiterQueue } from './waiter-queue.ts';

/** Events carry no per-call data here, so one object serves every call. */
const TOKEN_NEEDED: MachineEvent = { type: 'token-needed' };

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const config = resolveOptions(options);
  const { clock, store, random } = config;
  const stamp = (tokens: TokenSet): TokenSet =>
    tokens.issuedAt === undefined ? { ...tokens, issuedAt: clock.now() } : tokens;
  const policy: MachinePolicy = {
    skewMs: config.skewMs,
    maxAttempts: config.attempts,
    baseDelayMs: config.baseDelayMs,
    maxDelayMs: config.maxDelayMs,
    proactive: config.proactive,
    minRefreshIntervalMs: DEFAULTS.minRefreshIntervalMs,
    rejectWindowMs: DEFAULTS.rejectWindowMs,
  };
  const queueOptions = {
    clock,
    maxWaiters: config.maxWaiters,
    timeoutMs: config.waitTimeoutMs,
    timeoutError: (requestMs: number | undefined) =>
      requestMs === undefined
        ? new WaitTimeoutError(config.waitTimeoutMs)
        : new WaitTimeoutError(requestMs, 'request'),
  };

  const events = createEmitter();
  const disposal = new AbortController();
  const reportStoreError = (error: Error): void => events.emit('store-error', { error });
  const sync = createStoreSync(store, {
    clock,
    timeoutMs: config.storeTimeoutMs,
    signal: disposal.signal,
    onError: reportStoreError,
  });
  /** Requests waiting for a refresh. */
  const waiters = createWaiterQueue<AccessToken>(queueOptions);
  // The store is read once, on first use, unless initial tokens were given; a read that fails is tried again by
  // the next request (it is never taken for "no tokens").
  const firstRead = createFirstRead({
    read: () => sync.read(),
    loaded: config.tokens !== undefined,
    queue: queueOptions,
    onRead: (tokens) => {
      if (tokens !== undefined && state.tokens === undefined && state.epoch === 0) {
        dispatch({ type: 'tokens-set', tokens: stamp(tokens), source: 'store' });
      }
    },
    onError: reportStoreError,
  });
  const mutex = new Mutex();
  let state = initialState(config.tokens === undefined ? undefined : stamp(config.tokens));
  let cancelRetry: (() => void) | undefined;
  let cancelProactive: (() => void) | undefined;
  let refreshAbort: AbortController | undefined;
  let disposed = false;
  let storeCleared: Promise<unknown> = Promise.resolve();

  const cancelTimers = (): void => {
    cancelRetry?.();
    cancelProactive?.();
    cancelRetry = undefined;
    cancelProactive = undefined;
  };

  const grants = createGrantMemo(policy);

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
    // A granted token may be shared by the callers that reuse it: frozen, so that none can change it for others.
    if (answer?.type === 'grant') Object.freeze(answer.token);
    grants.note(state, answer, event === TOKEN_NEEDED && result.effects.length === 1 && state === before);
    return answer;
  };

  /** `token-needed`: the last plain grant while the machine would repeat it, else the machine. */
  const tokenNeeded = (): Effect | undefined => {
    const now = clock.now();
    return grants.repeat(state, now) ?? dispatch(TOKEN_NEEDED, now);
  };

  /** What `getAccessToken` would answer at once, without a transition; `undefined` when it would do anything else. */
  const peekAccessToken = (): AccessToken | undefined => {
    if (disposed) return undefined;
    const answer = grants.repeat(state, clock.now());
    return answer?.type === 'grant' ? answer.token : undefined;
  };

  const follower = createStoreFollower({
    store,
    read: () => sync.read(),
    current: () => state.tokens,
    dispatch,
    stamp,
    isDisposed: () => disposed,
    onError: reportStoreError,
  });
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
        // One token object for every waiter: frozen, as a grant is, so that none can change it for the others (and
        // adapters build its header value once, not once per waiter).
        waiters.resolveAll(Object.freeze(effect.token));
        return;
      case 'reject-waiters':
        waiters.rejectAll(effect.error);
        return;
      case 'schedule-retry': {
        cancelRetry?.();
        const epoch = effect.epoch;
        cancelRetry = startTimer(clock, effect.delayMs, () => {
          cancelRetry = undefined;
          dispatch({ type: 'retry-due', epoch, waiting: waiters.size > 0 });
        });
        return;
      }
      case 'schedule-proactive': {
        cancelProactive?.();
        const epoch = effect.epoch;
        cancelProactive = startTimer(clock, effect.delayMs, () => {
          cancelProactive = undefined;
          dispatch({ type: 'proactive-due', epoch });
        });
        return;
      }
      case 'cancel-timers':
        cancelTimers();
        return;
      case 'clear-store':
        storeCleared = sync.clear(effect.version).then(async (outcome) => {
          if (outcome === 'conflict') await follower.adoptStored();
        });
        return;
      case 'emit-tokens':
      case 'emit-refreshed':
      case 'emit-refresh-failed':
      case 'emit-reauth-required':
      case 'emit-token-rejected':
        emitEffect(events, effect);
        return;
      case 'grant':
      case 'wait':
      case 'fail':
        return;
    }
  };

  /**
   * One refresh attempt: at most one runs at a time in this process, and inside the store's lock across processes.
   * Its result is persisted (bounded by the store timeout) before any waiter uses it.
   */
  const refreshJob = async (epoch: number, tokens: TokenSet | undefined): Promise<void> => {
    const abort = new AbortController();
    refreshAbort = abort;
    const isCurrent = (): boolean => state.epoch === epoch && state.status === 'refreshing';

    const attempt = (signal: AbortSignal, held: HeldLock | undefined): Promise<TokenSet> =>
      refreshAttempt({ sync, refresh: config.refresh, clock, stamp }, { tokens, signal, held, isCurrent });

    try {
      await mutex.runExclusive(async () => {
        try {
          const lock = store.lock?.bind(store);
          const next =
            lock === undefined
              ? await attempt(abort.signal, undefined)
              : await lock((held) => attempt(AbortSignal.any([abort.signal, held.signal]), held), {
                  signal: abort.signal,
                });
          // Still inside the lock, so that `revoke()` (which takes it too) sees these tokens.
          if (!abort.signal.aborted) {
            dispatch({ type: 'refresh-succeeded', epoch, tokens: next, waiting: waiters.size });
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          dispatch({ type: 'refresh-failed', epoch, ...classifyRefreshError(error), jitter: random() });
        }
      });
    } finally {
      if (refreshAbort === abort) refreshAbort = undefined;
    }
  };

  /** Waits (bounded by the wait timeout, `signal` and `timeoutMs`) until the store was read. */
  const ensureLoaded = async (signal: AbortSignal | undefined, timeoutMs?: number): Promise<void> => {
    follower.start();
    if (firstRead.loaded) return;
    await firstRead.wait(signal, timeoutMs);
    if (disposed) throw new DisposedError();
  };

  /** For `setTokens` and `clear`, which make the store's old content irrelevant: no read after them. */
  const skipLoad = (): void => {
    follower.start();
    firstRead.skip();
  };

  /**
   * `getAccessToken` and `refresh`. Not an `async` function: a waiting request gets the queue's own promise, not one
   * that follows it (which would hold a second promise and its reaction per waiter, and settle two turns later).
   * Every error still arrives as a rejection.
   */
  const request = (
    event: MachineEvent,
    opts: GetAccessTokenOptions | undefined,
    method: string,
  ): Promise<AccessToken> => {
    try {
      if (disposed) throw new DisposedError();
      const signal = opts?.signal;
      signal?.throwIfAborted();
      const timeoutMs = requestTimeout(opts?.timeoutMs, method);
      follower.start();
      return firstRead.loaded ? answer(event, signal, timeoutMs) : answerOnceLoaded(event, signal, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** The machine's answer to a request: a grant at once (without another turn of the event loop), or a wait. */
  const answer = (
    event: MachineEvent,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<AccessToken> => {
    const result = event === TOKEN_NEEDED ? tokenNeeded() : dispatch(event);
    if (result?.type === 'grant') return Promise.resolve(result.token);
    if (result?.type === 'fail') return Promise.reject(result.error);
    return waiters.wait(signal, timeoutMs);
  };

  /** A request that arrived before the store was read: the read first, and the request's limit covers both waits. */
  const answerOnceLoaded = async (
    event: MachineEvent,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<AccessToken> => {
    const readFrom = clock.now();
    await ensureLoaded(signal, timeoutMs);
    signal?.throwIfAborted();
    return answer(
      event,
      signal,
      timeoutMs === undefined ? undefined : timeLeft(timeoutMs, readFrom, clock.now()),
    );
  };

  const setTokens = async (tokens: TokenSet): Promise<void> => {
    if (disposed) throw new DisposedError();
    checkTokens(tokens, 'setTokens');
    const stamped: TokenSet = { ...stamp(tokens), version: (state.tokens?.version ?? 0) + 1 };
    skipLoad();
    // The user's tokens take effect at once (they were never used for a refresh, so nothing can be lost if the
    // process ends before the write); the write is ordered after every earlier one.
    dispatch({ type: 'tokens-set', tokens: stamped, source: 'user' });
    if ((await sync.write(stamped)) !== 'conflict') return;
    // Another process holds a newer version: the user's new tokens (a new sign-in) go on top of it.
    const stored = await sync.read().catch(() => undefined);
    const on: TokenSet = { ...stamped, version: (stored?.version ?? 0) + 1 };
    if (state.tokens === stamped) dispatch({ type: 'tokens-set', tokens: on, source: 'store' });
    await sync.write(on);
  };

  return markEnforcesTimeoutMs({
    getAccessToken: (opts?: GetAccessTokenOptions) => request(TOKEN_NEEDED, opts, 'getAccessToken'),
    peekAccessToken,
    refresh: (opts?: RefreshOptions) =>
      request({ type: 'unauthorized', failedToken: opts?.failedToken, jitter: random() }, opts, 'refresh'),
    setTokens,
    async clear(): Promise<void> {
      if (disposed) throw new DisposedError();
      skipLoad();
      dispatch({ type: 'cleared' });
      await storeCleared;
    },
    async revoke(opts?: { readonly signal?: AbortSignal | undefined }): Promise<void> {
      if (disposed) throw new DisposedError();
      await ensureLoaded(opts?.signal);
      await mutex.runExclusive(async () => {
        const tokens = state.tokens;
        dispatch({ type: 'cleared' });
        await storeCleared;
        if (config.revoke === undefined || tokens === undefined) return;
        await config.revoke({
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
      disposal.abort(new DisposedError());
      follower.stop();
      const error = new DisposedError();
      waiters.rejectAll(error);
      firstRead.rejectAll(error);
      events.clear();
    },
    get state(): TokenManagerStatus {
      return state.status;
    },
    get waiting(): number {
      return waiters.size;
    },
    on: events.on,
  });
}
