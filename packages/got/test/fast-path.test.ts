/**
 * What a request costs when its token is fresh: it goes out as soon as after an empty synchronous hook (no turn of
 * the event loop spent on the token), and nothing is set up for a wait that does not happen (no timer for
 * `timeout.request`, no listener on the request's signal). A request that does wait is bounded as before, and
 * leaves nothing behind once it is done. Each assertion compares our hook with an empty synchronous hook in its
 * place on the same got version, so what got itself does is the same on both sides.
 */
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import type { TokenManager } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import type { BeforeRequestHook, ExtendOptions, Got, OptionsInit, RequestError } from 'got';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gotVersions } from './got-versions.ts';

const { fx, emu, mswUse } = useEmulation();

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the hook after ours sees, counted from the hook before ours. */
interface Seen {
  /** Microtask turns between the hook before ours and the hook after it. */
  turns: number;
  /** `setTimeout` calls between the two. */
  timers: number;
  /** Abort listeners on the request's signal: in the hook before ours, and in the hook after it. */
  listenersBefore: number;
  listenersAfter: number;
  /** The header the hook after ours saw. */
  authorization: string | undefined;
}

/** Counts `setTimeout` calls (all of them go on as usual). */
function countTimers(): () => number {
  let calls = 0;
  const realSetTimeout = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
    calls += 1;
    return realSetTimeout(...args);
  }) as typeof setTimeout);
  return () => calls;
}

/**
 * A client whose `beforeRequest` hooks are: a probe, `middle` (ours, or an empty synchronous hook that sets a
 * header), a probe. The first probe starts a chain of microtasks and notes the timer count; the second reads them.
 */
function probed(
  got: Got,
  middle: ExtendOptions,
  timerCalls = (): number => 0,
): { api: Got; seen: () => Seen } {
  let seen: Seen | undefined;
  let turns = 0;
  let timersBefore = 0;
  let listenersBefore = 0;
  const listeners = (signal: unknown): number =>
    signal instanceof AbortSignal ? getEventListeners(signal, 'abort').length : 0;
  const first: BeforeRequestHook = (options) => {
    turns = 0;
    timersBefore = timerCalls();
    listenersBefore = listeners(options.signal);
    const tick = (): void => {
      turns += 1;
      if (turns < 100) queueMicrotask(tick);
    };
    queueMicrotask(tick);
  };
  const last: BeforeRequestHook = (options) => {
    seen = {
      turns,
      timers: timerCalls() - timersBefore,
      listenersBefore,
      listenersAfter: listeners(options.signal),
      authorization: options.headers.authorization as string | undefined,
    };
  };
  const api = got.extend(
    { prefixUrl: emu.apiOrigin, retry: { limit: 0 }, hooks: { beforeRequest: [first] } },
    middle,
    { hooks: { beforeRequest: [last] } },
  );
  return {
    api,
    seen: () => {
      if (seen === undefined) throw new Error('the probes did not run');
      return seen;
    },
  };
}

/** Sends requests until the manager hands out its token without a transition (the steady state). */
async function warmUp(api: Got, manager: TokenManager, options: OptionsInit = {}): Promise<void> {
  for (let i = 0; i < 10 && manager.peekAccessToken() === undefined; i++) await api.get('warm-up', options);
  expect(manager.peekAccessToken()).toBeDefined();
}

/** The empty synchronous hook that sets the header: what a request cannot do with less. */
const emptyHook = (value: string): ExtendOptions => ({
  hooks: {
    beforeRequest: [
      (options) => {
        options.headers.authorization = value;
      },
    ],
  },
});

describe.each(gotVersions)('$name', ({ got, RequestError }) => {
  it('a fresh token costs no turn of the event loop: the next hook runs as soon as after an empty hook', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const ours = probed(got, tokenRefresh(manager));
    const empty = probed(got, emptyHook(`Bearer ${token}`));
    await warmUp(ours.api, manager);
    await ours.api.get('fresh');
    await empty.api.get('fresh');
    expect(ours.seen().authorization).toBe(`Bearer ${token}`);
    expect(ours.seen().turns).toBe(empty.seen().turns);
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('a fresh token sets up no timer and no abort listener, even with a signal and timeout.request', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const timerCalls = countTimers();
    const ours = probed(got, tokenRefresh(manager), timerCalls);
    const empty = probed(got, emptyHook(`Bearer ${token}`), timerCalls);
    const options = { signal: new AbortController().signal, timeout: { request: 5_000 } };
    await warmUp(ours.api, manager, options);
    await ours.api.get('fresh', options);
    await empty.api.get('fresh', options);
    expect(ours.seen().authorization).toBe(`Bearer ${token}`);
    expect(ours.seen().timers).toBe(empty.seen().timers);
    expect(ours.seen().listenersAfter).toBe(ours.seen().listenersBefore);
    expect(ours.seen().listenersAfter).toBe(empty.seen().listenersAfter);
  });

  it('the answer remembered for the base URL holds for its origin only, look-alike URLs included', async () => {
    const seen = new Map<string, string | null>();
    const lookAlikes = [
      'https://api.example.test.evil.test/x',
      'https://api.example.test:8443/x',
      'http://api.example.test/x',
      'https://api.example.tes/x',
    ];
    for (const url of [...lookAlikes, `${emu.apiOrigin}/outside-prefix`]) {
      mswUse(
        http.get(url, ({ request }) => {
          seen.set(url, request.headers.get('authorization'));
          return HttpResponse.json({});
        }),
      );
    }
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const api = got.extend({ prefixUrl: `${emu.apiOrigin}/v1/`, retry: { limit: 0 } }, tokenRefresh(manager));
    await warmUp(api, manager);
    for (const url of lookAlikes) await api.get(url);
    await api.get(`${emu.apiOrigin}/outside-prefix`);
    expect(Object.fromEntries(seen)).toEqual({
      ...Object.fromEntries(lookAlikes.map((url) => [url, null])),
      [`${emu.apiOrigin}/outside-prefix`]: `Bearer ${token}`,
    });
  });

  it('a manager-like object without peekAccessToken (from JavaScript) still works, with and without a budget', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const likeFromJavaScript = {
      getAccessToken: (options?: { signal?: AbortSignal }) => manager.getAccessToken(options),
      refresh: (options?: { failedToken?: string; signal?: AbortSignal }) => manager.refresh(options),
    } as unknown as TokenManager;
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: { limit: 0 } },
      tokenRefresh(() => likeFromJavaScript),
    );
    const plain = await api.get('plain');
    const budgeted = await api.get('budgeted', { timeout: { request: 5_000 } });
    expect([plain.statusCode, budgeted.statusCode]).toEqual([200, 200]);
    expect(emu.counters.requestsSeenBy(emu.apiOrigin).map((record) => record.authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${token}`,
    ]);
  });

  it('a shouldRefresh of the caller’s is asked only about responses to requests that carried our token', async () => {
    const asked: string[] = [];
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: { limit: 0 }, throwHttpErrors: false },
      tokenRefresh(fx.manager(), {
        shouldRefresh: ({ status }) => {
          asked.push(String(status));
          return status === 401;
        },
      }),
    );
    const elsewhere = await api.get(emu.otherUrl('/elsewhere'));
    const optedOut = await api.get('opted-out', { context: { tokenRelay: false } });
    const ours = await api.get('ours');
    expect([elsewhere.statusCode, optedOut.statusCode, ours.statusCode]).toEqual([200, 401, 200]);
    expect(asked).toEqual(['200']);
  });

  it('with the default rule, a 401 to a request that carried no token of ours starts no refresh', async () => {
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: { limit: 0 }, throwHttpErrors: false },
      tokenRefresh(fx.manager()),
    );
    const optedOut = await api.get('opted-out', { context: { tokenRelay: false } });
    expect(optedOut.statusCode).toBe(401);
    expect(emu.counters.tokenCalls).toBe(0);
    expect(emu.counters.apiRequests).toBe(1);
  });

  it('calls that went out with the same token share no replay mark: each one’s 401 is replayed once', async () => {
    const manager = fx.manager();
    const api = got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(manager));
    await warmUp(api, manager);
    const warmUps = emu.counters.apiRequests;
    emu.expireAccessTokens();
    const bodies = await Promise.all(['a', 'b', 'c'].map((path) => api.get(path).json<ApiEcho>()));
    expect(bodies.map((body) => body.tokenSerial)).toEqual([2, 2, 2]);
    emu.expireAccessTokens();
    // A call after those replays starts with a clean mark: its 401 is replayed too.
    expect((await api.get('d').json<ApiEcho>()).tokenSerial).toBe(3);
    const statuses = emu.counters
      .requestsSeenBy(emu.apiOrigin)
      .slice(warmUps)
      .map((record) => record.status);
    expect(statuses).toEqual([401, 401, 401, 200, 200, 200, 401, 200]);
    expect(emu.counters.tokenCalls).toBe(2);
  });

  it('a timeout.request that a handler after ours sets still bounds the wait for a token', async () => {
    const manager = fx.manager({
      tokens: { ...emu.tokenSet(), expiresAt: Date.now() - 1 },
      // A token endpoint that never answers: only the request's budget ends the wait.
      refresh: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    });
    const api = got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(manager), {
      handlers: [
        (options, next) => {
          options.timeout = { request: 300 };
          return next(options);
        },
      ],
    });
    const started = Date.now();
    const error = await api.get('waits').catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('ETIMEDOUT');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
    expect(emu.counters.apiRequests).toBe(0);
  });

  it('a request that waits for a refresh gets the new token and leaves no listener on its signal', async () => {
    const manager = fx.manager({ tokens: { ...emu.tokenSet(), expiresAt: Date.now() - 1 } });
    const api = got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(manager));
    const bare = got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } });
    const waited = new AbortController().signal;
    const response = await api.get('waited', { signal: waited, timeout: { request: 5_000 } });
    expect(response.statusCode).toBe(200);
    expect(emu.counters.successfulRefreshes).toBe(1);
    const plain = new AbortController().signal;
    await bare.get('bare', { signal: plain, timeout: { request: 5_000 } }).catch(() => undefined);
    // Whatever got itself keeps on a signal once its request is done, the wait added nothing to it.
    expect(getEventListeners(waited, 'abort').length).toBe(getEventListeners(plain, 'abort').length);
  });
});

// got 14 reads `signal` when it builds the request, before any handler runs, so a handler's signal aborts nothing
// there (and got 14's promise has `cancel()`, so it is always wrapped for redaction).
const handlerSignalAborts = gotVersions.filter(({ name }) => !name.startsWith('got@14.'));

describe.each(handlerSignalAborts)('$name', ({ got, RequestError }) => {
  it('an abort signal that a handler after ours adds still leaves the token out of the abort error', async () => {
    const manager = fx.manager();
    const { token } = await manager.getAccessToken();
    const controller = new AbortController();
    const api = got.extend({ prefixUrl: emu.apiOrigin, retry: { limit: 0 } }, tokenRefresh(manager), {
      handlers: [
        (options, next) => {
          options.signal = controller.signal;
          return next(options);
        },
      ],
    });
    emu.faults.apiLatency = () => 2_000;
    const pending = api.get('slow');
    await vi.waitFor(() => expect(emu.counters.apiRequests).toBe(1));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    for (const printed of [inspect(error), inspect(error, { depth: 6 }), JSON.stringify(error)]) {
      expect(printed).not.toContain(token);
    }
    expect((error as RequestError).options.headers.authorization).toBe(`Bearer ${token}`);
  });
});
