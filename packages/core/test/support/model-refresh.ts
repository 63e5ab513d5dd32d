/**
 * The refresh side of the model: a `RefreshFunction` that presents the refresh token to the server model and
 * hands the reply to the fast-check scheduler, so that a run decides when (and in which order relative to store
 * writes, clock steps and new requests) each reply arrives. Each call draws the next fault from a list.
 */
import type { Scheduler } from 'fast-check';
import { TokenEndpointError } from '../../src/errors.ts';
import type { RefreshFunction, RefreshResult, TokenSet, TokenStore } from '../../src/types.ts';
import type { ServerFault, ServerModel, Verdict } from './server-model.ts';

export type ReplyFault =
  /** The server judges the token by its own rules; the reply arrives when the scheduler releases it. */
  | 'ok'
  /** 503 before the token is looked at: transient, the token stays unused. */
  | 'unavailable'
  /** invalid_client: a configuration error, the token stays unused. */
  | 'bad-client'
  /** An administrator revoked the grant: invalid_grant, terminal. */
  | 'admin-revoke'
  /** The server redeems the token, then the connection resets before the reply: transient for the client. */
  | 'lost'
  /** The server redeems the token and the reply never comes; only an abort ends the call. */
  | 'hang'
  /** Like `ok`, but this refresh function ignores its abort signal (the reply is delivered anyway). */
  | 'deaf';

const serverFault = (fault: ReplyFault): ServerFault =>
  fault === 'unavailable' || fault === 'bad-client'
    ? fault
    : fault === 'admin-revoke'
      ? 'admin-revoke'
      : 'none';

const untilAborted = <T>(pending: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    pending.then(resolve, reject);
  });

export interface ModelRefresh {
  readonly refresh: RefreshFunction;
  /** Most refresh calls in progress at the same moment. */
  readonly maxInFlight: () => number;
  /** Refresh tokens the server redeemed whose reply never reached the manager because of a network fault. */
  readonly lostReplies: ReadonlySet<string>;
  /** Families the server revoked (reuse detected) in a reply that never reached the manager. */
  readonly unheardRevocations: ReadonlySet<number>;
  /** Calls that arrived with an already aborted signal (they never reach the server). */
  readonly abortedCalls: () => number;
}

export function modelRefresh(
  scheduler: Scheduler,
  server: ServerModel,
  faults: readonly ReplyFault[],
  ttlSeconds: number,
  /** Called as each refresh call starts, before anything else. */
  onCall: (refreshToken: string | undefined, signal: AbortSignal) => void,
): ModelRefresh {
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let abortedCalls = 0;
  const lostReplies = new Set<string>();
  const unheardRevocations = new Set<number>();

  const answer = (verdict: Verdict, issued: { accessToken: string; refreshToken: string } | undefined) => {
    if (issued !== undefined) {
      return { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresIn: ttlSeconds };
    }
    if (verdict === 'unavailable') {
      throw new TokenEndpointError('unavailable', { kind: 'transient', status: 503 });
    }
    if (verdict === 'bad-client') {
      throw new TokenEndpointError('bad client', {
        kind: 'config',
        status: 401,
        oauthError: 'invalid_client',
      });
    }
    throw new TokenEndpointError('rejected', { kind: 'terminal', status: 400, oauthError: 'invalid_grant' });
  };

  const refresh: RefreshFunction = async ({ refreshToken, signal }): Promise<RefreshResult> => {
    onCall(refreshToken, signal);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      // Like oauth2Refresh: an already aborted call never reaches the server.
      if (signal.aborted) {
        abortedCalls += 1;
        throw signal.reason;
      }
      const fault = faults[calls % faults.length] ?? 'ok';
      calls += 1;
      const { verdict, family, issued } = server.present(refreshToken, serverFault(fault));
      if (fault === 'lost' || fault === 'hang') {
        if (issued !== undefined && refreshToken !== undefined) lostReplies.add(refreshToken);
        if (verdict === 'reuse-detected' && family !== undefined) unheardRevocations.add(family);
      }
      if (fault === 'hang') return await untilAborted(new Promise<never>(() => {}), signal);
      const reply = scheduler.schedule(Promise.resolve(verdict), `reply(${fault}) to ${refreshToken}`);
      await (fault === 'deaf' ? reply : untilAborted(reply, signal));
      if (fault === 'lost') throw new TokenEndpointError('connection reset', { kind: 'transient' });
      return answer(verdict, issued);
    } finally {
      inFlight -= 1;
    }
  };
  return {
    refresh,
    maxInFlight: () => maxInFlight,
    lostReplies,
    unheardRevocations,
    abortedCalls: () => abortedCalls,
  };
}

export interface ModelStore {
  readonly store: TokenStore;
  /** What the store holds once every write released so far has landed. */
  readonly current: () => TokenSet | undefined;
}

/**
 * A store with latency, like the file store or Redis: operations complete in the order they were called (as
 * `fileStore()` guarantees with its queue), but when each one completes is up to the scheduler.
 */
export function scheduledStore(scheduler: Scheduler, initial: TokenSet | undefined): ModelStore {
  let current = initial;
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(label: string, apply: () => T): Promise<T> => {
    const result = tail.then(() => scheduler.schedule(Promise.resolve(), label)).then(apply);
    tail = result.catch(() => undefined);
    return result;
  };
  const store: TokenStore = {
    get: () => serial('store.get', () => current),
    set: (tokens) =>
      serial(`store.set ${tokens.accessToken}`, () => {
        current = tokens;
      }),
    clear: () =>
      serial('store.clear', () => {
        current = undefined;
      }),
  };
  return { store, current: () => current };
}
