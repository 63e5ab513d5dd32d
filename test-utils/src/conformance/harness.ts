/**
 * One test's world: the msw OAuth2 emulation (rotation and reuse detection on), a core token manager refreshing
 * against its token endpoint with `oauth2Refresh`, and the adapter's client. Everything is built per test and
 * torn down after it; nothing lives at module level.
 */

import { setTimeout as realDelay } from 'node:timers/promises';
import {
  type Clock,
  createTokenManager,
  memoryStore,
  oauth2Refresh,
  type QueueOptions,
  type RefreshContext,
  type RefreshFunction,
  type RetryOptions,
  systemClock,
  type TokenManager,
  type TokenSet,
  type TokenStore,
} from '@tokenrelay/core';
import type { RequestHandler } from 'msw';
import { it } from 'vitest';
import type { FakeClock } from '../fake-clock.ts';
import type { MswServer } from '../msw-server.ts';
import { createOAuthServer, type OAuthServer } from '../oauth-server.ts';
import type { OAuthServerOptions } from '../oauth-types.ts';
import type { ConformanceAdapter, ConformanceClient, ConformanceContext, ScenarioName } from './types.ts';

/**
 * The tokens the manager starts with:
 * - `fresh`: valid on both sides;
 * - `server-expired`: the server no longer accepts the access token, the manager does not know (the 401 path);
 * - `expired`: expired on both sides (the manager refreshes before sending).
 */
export type StartTokens = 'fresh' | 'server-expired' | 'expired';

export interface RigOptions {
  readonly tokens?: StartTokens;
  /** Shared by the emulation and the manager; the real clock when absent. */
  readonly clock?: FakeClock;
  readonly server?: Omit<OAuthServerOptions, 'clock'>;
  readonly queue?: QueueOptions;
  readonly retry?: RetryOptions;
  readonly proactive?: boolean;
  /** Each refresh waits for this before calling the token endpoint (a refresh the test holds back). */
  readonly gate?: Promise<void>;
}

export interface Rig {
  readonly emu: OAuthServer;
  readonly manager: TokenManager;
  readonly client: ConformanceClient;
  readonly store: TokenStore;
  /** `apiOrigin + path`. */
  api(path: string): string;
  other(path: string): string;
  /** Every access and refresh token the client held, and the client secret. */
  secrets(): string[];
  /** How many times `reauth-required` was emitted. */
  readonly reauthEvents: () => number;
  /** Manager-clock time of each token-endpoint call. */
  readonly tokenCallTimes: readonly number[];
  /** Adds msw handlers in front of the emulation's for this test. */
  use(...handlers: RequestHandler[]): void;
  /** Another client of the adapter on this rig's emulation, with more context (a header name, a resolver). */
  clientWith(
    extra: Partial<Pick<ConformanceContext, 'manager' | 'headerName' | 'managerOf'>>,
  ): ConformanceClient;
  /** A manager for another user: a login grant of its own on the same server, its tokens added to `secrets()`. */
  newUser(): TokenManager;
}

export interface SuiteContext {
  readonly adapter: ConformanceAdapter;
  rig(options?: RigOptions): Promise<Rig>;
  /** Registers one scenario as an `it`, or as a skipped `it` with the adapter's reason. */
  scenario(name: ScenarioName, title: string, body: () => Promise<void>, timeoutMs?: number): void;
}

/** Resolves when `gate` opens; rejects with the refresh's abort reason if the manager gives up first. */
const passGate = (gate: Promise<void>, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    gate.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });

const gated = (refresh: RefreshFunction, gate: Promise<void> | undefined): RefreshFunction =>
  gate === undefined
    ? refresh
    : async (context: RefreshContext) => {
        await passGate(gate, context.signal);
        return refresh(context);
      };

const startTokens = (emu: OAuthServer, clock: Clock, mode: StartTokens): TokenSet => {
  const tokens = emu.tokenSet(clock);
  if (mode === 'fresh') return tokens;
  emu.expireAccessTokens();
  if (mode === 'server-expired') return tokens;
  const now = clock.now();
  return { ...tokens, issuedAt: now - 60_000, expiresAt: now - 1 };
};

/** Builds rigs for one `describe`, and tears each down after its test. */
export function createSuiteContext(
  adapter: ConformanceAdapter,
  msw: () => MswServer,
  cleanups: (() => void | Promise<void>)[],
): SuiteContext {
  return {
    adapter,
    async rig(options = {}) {
      const clock: Clock = options.clock ?? systemClock();
      const emu = createOAuthServer(
        options.clock ? { ...options.server, clock: options.clock } : options.server,
      );
      msw().server.use(...emu.handlers);
      const secrets = new Set<string>([emu.clientSecret]);
      const remember = (tokens: TokenSet | undefined): void => {
        if (tokens === undefined) return;
        secrets.add(tokens.accessToken);
        if (tokens.refreshToken !== undefined) secrets.add(tokens.refreshToken);
      };
      const initial = startTokens(emu, clock, options.tokens ?? 'fresh');
      remember(initial);
      const store = memoryStore(initial);
      const tokenCallTimes: number[] = [];
      const refresh = gated(
        oauth2Refresh({
          tokenEndpoint: emu.tokenEndpoint,
          clientId: emu.clientId,
          clientSecret: emu.clientSecret,
          // Through msw, looked up at call time (never an intercepted client).
          fetch: (input, init) => {
            tokenCallTimes.push(clock.now());
            return globalThis.fetch(input, init);
          },
        }),
        options.gate,
      );
      const manager = createTokenManager({
        store,
        refresh,
        clock,
        random: () => 0.5,
        retry: { baseDelayMs: 20, maxDelayMs: 5_000, ...options.retry },
        ...(options.queue === undefined ? {} : { queue: options.queue }),
        ...(options.proactive === undefined ? {} : { proactive: options.proactive }),
      });
      let reauth = 0;
      manager.on('tokens', remember);
      manager.on('reauth-required', () => {
        reauth += 1;
      });
      const base = { manager, apiOrigin: emu.apiOrigin, otherOrigin: emu.otherOrigin };
      const client = adapter.makeClient(base);
      cleanups.push(async () => {
        await client.dispose?.();
        manager.dispose();
      });
      const clientWith = (
        extra: Partial<Pick<ConformanceContext, 'manager' | 'headerName' | 'managerOf'>>,
      ): ConformanceClient => {
        const more = adapter.makeClient({ ...base, ...extra });
        cleanups.push(async () => {
          await more.dispose?.();
        });
        return more;
      };
      const newUser = (): TokenManager => {
        const login = emu.tokenSet(clock);
        remember(login);
        const other = createTokenManager({ store: memoryStore(login), refresh, clock, random: () => 0.5 });
        other.on('tokens', remember);
        cleanups.push(() => other.dispose());
        return other;
      };
      return {
        emu,
        manager,
        client,
        store,
        api: (path) => emu.apiUrl(path),
        other: (path) => emu.otherUrl(path),
        secrets: () => [...secrets],
        reauthEvents: () => reauth,
        tokenCallTimes,
        use: (...handlers) => msw().server.use(...handlers),
        clientWith,
        newUser,
      };
    },
    scenario(name, title, body, timeoutMs) {
      const reason = adapter.skip?.[name];
      if (reason !== undefined) it.skip(`${title} (skipped: ${reason})`, body);
      else it(title, body, timeoutMs);
    },
  };
}

/** A refresh gate (`RigOptions.gate`) held until `open()`. */
export const createGate = (): { readonly gate: Promise<void>; readonly open: () => void } => {
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { gate, open };
};

/** Polls `condition` in real time until it holds; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await realDelay(5);
  }
}

/**
 * Moves a fake clock forward in `stepMs` steps, letting real I/O (msw) run between steps, until `done()` holds.
 * Bounded by `maxMs` of fake time.
 */
export async function driveClock(
  clock: FakeClock,
  done: () => boolean,
  { stepMs = 100, maxMs = 60_000 }: { stepMs?: number; maxMs?: number } = {},
): Promise<void> {
  for (let advanced = 0; !done(); advanced += stepMs) {
    if (advanced > maxMs) throw new Error(`Still not done after ${maxMs} ms of fake time`);
    await clock.advance(stepMs);
    await realDelay(2);
  }
}

/** Tracks how many of `promises` have settled. */
export function tracked<T>(promises: readonly Promise<T>[]): {
  readonly settled: () => boolean;
  readonly all: Promise<PromiseSettledResult<T>[]>;
} {
  let count = 0;
  const all = Promise.allSettled(
    promises.map((promise) =>
      promise.finally(() => {
        count += 1;
      }),
    ),
  );
  return { settled: () => count === promises.length, all };
}

export const statuses = (results: readonly PromiseSettledResult<{ status: number }>[]): number[] =>
  results.map((result) => (result.status === 'fulfilled' ? result.value.status : -1));
