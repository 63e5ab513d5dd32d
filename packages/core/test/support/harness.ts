/**
 * One model run: a manager over the server model, a scheduled store and a fake clock, plus the bookkeeping that
 * the invariants need. Violations are collected (not thrown inside promise callbacks) and asserted at the end.
 */
import type { Scheduler } from 'fast-check';
import {
  isReauthRequiredError,
  ReauthRequiredError,
  RefreshFailedError,
  TokenRejectedError,
  WaitTimeoutError,
} from '../../src/errors.ts';
import { createTokenManager } from '../../src/manager.ts';
import { createFakeClock, type FakeClock } from '../../src/testing.ts';
import type { AccessToken, TokenManager, TokenSet } from '../../src/types.ts';
import {
  type ModelRefresh,
  type ModelStore,
  modelRefresh,
  type ReplyFault,
  scheduledStore,
} from './model-refresh.ts';
import { createServerModel, type ServerModel } from './server-model.ts';

export interface ModelConfig {
  readonly ttlSeconds: number;
  readonly startExpired: boolean;
  readonly faults: readonly ReplyFault[];
}

export const WAIT_TIMEOUT_MS = 5_000;
export const RETRY = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 } as const;

/** A stretch of time with tokens (`held`) or without them (`lost`: after a terminal failure or `clear()`). */
interface Era {
  readonly kind: 'held' | 'lost';
  readonly tokens: TokenSet | undefined;
  /** When the manager took these tokens. */
  readonly since: number;
  reauthError: Error | undefined;
  readonly errors: Set<unknown>;
}

interface RequestRecord {
  readonly id: number;
  readonly failedToken: string | undefined;
  readonly kind: 'get' | 'unauthorized';
  readonly controller: AbortController | undefined;
  settled: boolean;
}

export interface Harness {
  readonly clock: FakeClock;
  readonly manager: TokenManager;
  readonly server: ServerModel;
  readonly model: ModelRefresh;
  readonly store: ModelStore;
  readonly violations: string[];
  readonly handed: string[];
  /** What this run exercised (coverage labels), so a suite can show that its runs reach every path. */
  readonly seen: Set<string>;
  get(abortable: boolean): void;
  unauthorized(pick: number, abortable: boolean): void;
  abort(pick: number): void;
  setTokens(expired: boolean): void;
  clear(): void;
  allSettled(): boolean;
  /** The invariants that hold once the run is drained. */
  finalChecks(): void;
}

const tokensOf = (
  issued: { accessToken: string; refreshToken: string },
  at: number,
  ttlMs: number,
  expired: boolean,
) =>
  expired
    ? { ...issued, issuedAt: at - ttlMs - 1, expiresAt: at - 1 }
    : { ...issued, issuedAt: at, expiresAt: at + ttlMs };

export function createHarness(scheduler: Scheduler, config: ModelConfig): Harness {
  const clock = createFakeClock();
  const server = createServerModel();
  const ttlMs = config.ttlSeconds * 1000;
  const first = server.login();
  const initial: TokenSet = tokensOf(first, clock.now(), ttlMs, config.startExpired);
  const store = scheduledStore(scheduler, initial);
  let era: Era = {
    kind: 'held',
    tokens: initial,
    since: clock.now(),
    reauthError: undefined,
    errors: new Set(),
  };
  const model = modelRefresh(scheduler, server, config.faults, config.ttlSeconds, (refreshToken, signal) => {
    // The refresh function is only ever asked to refresh the tokens the manager holds at that moment.
    if (era.tokens?.refreshToken !== refreshToken) {
      const held = era.tokens?.refreshToken ?? 'nothing';
      fail(`refresh called for ${refreshToken} (signal aborted: ${signal.aborted}) while holding ${held}`);
    }
  });
  const manager = createTokenManager({
    tokens: initial,
    refresh: model.refresh,
    store: store.store,
    clock,
    random: () => 0.5,
    retry: RETRY,
    queue: { waitTimeoutMs: WAIT_TIMEOUT_MS },
    // The scheduler decides when store calls land, whatever the fake clock says: the store timeout (which lets
    // requests go on from memory when a write hangs) would break the persisted-before-use invariant checked here.
    storeTimeoutMs: Number.POSITIVE_INFINITY,
  });

  const violations: string[] = [];
  const seen = new Set<string>();
  const handed: string[] = [];
  const rejected401 = new Set<string>();
  // Tokens the user set take effect before they are stored (they were never used to refresh: nothing to lose).
  const setByUser = new Set<string>();
  const records: RequestRecord[] = [];
  const others: Array<{ settled: boolean }> = [];
  const fail = (message: string): void => {
    violations.push(`${message} (at t+${clock.now() - 1_700_000_000_000} ms)`);
  };

  manager.on('tokens', (tokens) => {
    const kind = tokens === undefined ? 'lost' : 'held';
    era = { kind, tokens, since: clock.now(), reauthError: undefined, errors: new Set() };
  });
  manager.on('refresh', ({ reason, attempt }) => {
    seen.add(`refresh:${reason}`);
    if (attempt > 1) seen.add('retry');
  });
  manager.on('reauth-required', ({ error }) => {
    seen.add('reauth-required');
    if (era.kind !== 'lost') fail('reauth-required emitted while tokens are held');
    if (era.reauthError !== undefined) fail('reauth-required emitted twice for one loss');
    era.reauthError = error;
  });

  /**
   * A request got a token: it must be the one held now, usable now, persisted (unless the user set it), and not one a
   * server rejected.
   */
  const onGranted = (record: RequestRecord, token: AccessToken): void => {
    handed.push(token.token);
    seen.add(token.token === initial.accessToken ? 'granted' : 'granted-refreshed');
    if (record.failedToken !== undefined && handed.slice(0, -1).includes(record.failedToken))
      seen.add('401-replayed');
    const held = era.tokens;
    const now = clock.now();
    if (era.kind === 'lost' || held === undefined) {
      fail(`#${record.id} got ${token.token} with no tokens held`);
      return;
    }
    if (token.token !== held.accessToken)
      fail(`#${record.id} got ${token.token}, replaced by ${held.accessToken}`);
    // Tokens handed out the instant they arrive are the freshest there are, even when a slow store write let them
    // age past their expiry or the wall clock stepped back meanwhile (the request's 401 then refreshes again).
    // Tokens granted at any later instant must be unexpired on the wall clock, and not issued in its future.
    if (now !== era.since) {
      if (held.issuedAt !== undefined && now < held.issuedAt)
        fail(`#${record.id} got a token issued in the future`);
      if (held.expiresAt !== undefined && now >= held.expiresAt)
        fail(`#${record.id} got expired ${token.token}`);
    }
    if (store.current()?.accessToken !== token.token && !setByUser.has(token.token))
      fail(
        `#${record.id} got ${token.token} while the store holds ${store.current()?.accessToken ?? 'nothing'}`,
      );
    if (token.token === record.failedToken) fail(`#${record.id} got back the token its 401 was for`);
    if (rejected401.has(token.token)) fail(`#${record.id} got ${token.token} after a 401 for it`);
  };

  const onFailed = (record: RequestRecord, error: unknown): void => {
    seen.add(`failed:${error instanceof Error ? error.name : typeof error}`);
    if (record.controller?.signal.aborted && error === record.controller.signal.reason) return;
    if (era.kind === 'lost') {
      era.errors.add(error);
      if (era.errors.size === 1 && era.reauthError !== undefined) seen.add('waiters-rejected-on-terminal');
      if (!isReauthRequiredError(error))
        fail(`#${record.id} failed with ${String(error)} after the tokens were lost`);
      if (era.errors.size > 1) fail('waiters of one loss got different errors');
      if (era.reauthError !== undefined && error !== era.reauthError) {
        fail(`#${record.id} got another error than the one reauth-required announced`);
      }
      return;
    }
    if (error instanceof ReauthRequiredError)
      fail(`#${record.id} got ReauthRequiredError while tokens are held`);
    else if (
      !(
        error instanceof WaitTimeoutError ||
        error instanceof RefreshFailedError ||
        error instanceof TokenRejectedError
      )
    ) {
      fail(`#${record.id} failed with an unexpected ${String(error)}`);
    }
  };

  const track = (record: RequestRecord, pending: Promise<AccessToken>): void => {
    records.push(record);
    pending.then(
      (token) => {
        record.settled = true;
        onGranted(record, token);
      },
      (error: unknown) => {
        record.settled = true;
        onFailed(record, error);
      },
    );
  };

  const trackOther = (pending: Promise<void>, what: string): void => {
    const entry = { settled: false };
    others.push(entry);
    pending.then(
      () => {
        entry.settled = true;
      },
      (error: unknown) => {
        entry.settled = true;
        fail(`${what} failed: ${String(error)}`);
      },
    );
  };

  return {
    clock,
    manager,
    server,
    model,
    store,
    violations,
    handed,
    seen,
    get(abortable) {
      const controller = abortable ? new AbortController() : undefined;
      const record = {
        id: records.length + 1,
        failedToken: undefined,
        kind: 'get' as const,
        controller,
        settled: false,
      };
      track(record, manager.getAccessToken({ signal: controller?.signal }));
    },
    unauthorized(pick, abortable) {
      const current = era.tokens?.accessToken;
      const candidates = [undefined, current, ...handed];
      const failedToken = candidates[pick % candidates.length];
      // A 401 for the token held now (or a forced one) marks it as rejected by the server.
      if (current !== undefined && (failedToken === undefined || failedToken === current))
        rejected401.add(current);
      else if (failedToken !== undefined) seen.add('late-401');
      const controller = abortable ? new AbortController() : undefined;
      const record = {
        id: records.length + 1,
        failedToken,
        kind: 'unauthorized' as const,
        controller,
        settled: false,
      };
      track(record, manager.refresh({ failedToken, signal: controller?.signal }));
    },
    abort(pick) {
      const pending = records.filter((r) => !r.settled && r.controller !== undefined);
      const record = pending[pick % Math.max(1, pending.length)];
      if (record !== undefined) seen.add('aborted-waiter');
      record?.controller?.abort(new Error(`request #${record.id} aborted`));
    },
    setTokens(expired) {
      if (manager.state === 'refreshing') seen.add('set-during-refresh');
      const tokens = tokensOf(server.login(), clock.now(), ttlMs, expired);
      setByUser.add(tokens.accessToken);
      trackOther(manager.setTokens(tokens), 'setTokens');
    },
    clear() {
      if (manager.state === 'refreshing') seen.add('clear-during-refresh');
      trackOther(manager.clear(), 'clear');
    },
    allSettled: () => records.every((r) => r.settled) && others.every((o) => o.settled),
    finalChecks() {
      for (const r of records) if (!r.settled) fail(`request #${r.id} (${r.kind}) never settled`);
      if (others.some((o) => !o.settled)) fail('a setTokens or clear call never settled');
      if (manager.waiting !== 0) fail(`${manager.waiting} waiters left in the queue`);
      if (model.maxInFlight() > 1) fail(`${model.maxInFlight()} refresh calls were in flight at once`);
      if (model.lostReplies.size > 0) seen.add('reply-lost');
      if (model.abortedCalls() > 0) seen.add('refresh-called-with-aborted-signal');
      for (const p of server.presentations) {
        if (p.verdict === 'reuse-detected') seen.add('reuse-after-lost-reply');
        if (p.verdict === 'unknown')
          fail(`presented a refresh token the server never issued: ${p.refreshToken}`);
        if (p.verdict === 'family-revoked' && !model.unheardRevocations.has(p.family ?? -1)) {
          fail(`presented ${p.refreshToken} after its family was revoked`);
        }
        if (p.verdict === 'reuse-detected' && !model.lostReplies.has(p.refreshToken ?? '')) {
          fail(`presented ${p.refreshToken} again after the server redeemed it`);
        }
      }
      const held = era.kind === 'held' ? era.tokens : undefined;
      const stored = store.current();
      if (stored?.accessToken !== held?.accessToken || stored?.refreshToken !== held?.refreshToken) {
        fail(
          `store holds ${stored?.accessToken ?? 'nothing'} but the manager holds ${held?.accessToken ?? 'nothing'}`,
        );
      }
      if ((held === undefined) !== (manager.state === 'reauth-required')) {
        fail(`manager is ${manager.state} while it holds ${held?.accessToken ?? 'nothing'}`);
      }
    },
  };
}
