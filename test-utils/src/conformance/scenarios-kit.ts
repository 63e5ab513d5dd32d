/**
 * The rules every adapter takes from the core's adapter kit, held to the same behaviour in each: origins fixed when
 * the adapter is attached, errors safe for every real logger, tokens a header cannot carry, credential headers on
 * cross-origin redirects, the client's own timeout while waiting for a token, and a manager per request.
 */
import { createTokenManager, isTokenRelayError, type TokenManager } from '@tokenrelay/core';
import { HttpResponse, http } from 'msw';
import { expect } from 'vitest';
import type { ApiEcho } from '../oauth-types.ts';
import { createGate, eventually, type SuiteContext } from './harness.ts';
import { catcher, leaksOf, rejection, renderings } from './renderings.ts';

const echoOf = (body: unknown): Partial<ApiEcho> => body as Partial<ApiEcho>;

/** A promise that never settles: a refresh held back for the whole test. */
const never = new Promise<void>(() => {});

export function kitScenarios(s: SuiteContext): void {
  s.scenario(
    'derived-clients',
    'origins are fixed when attached: a per-request base URL or a derived client naming another origin gets no token',
    async () => {
      // Asking the manager for a token would start a refresh: none may happen for these requests.
      const rig = await s.rig({ tokens: 'expired', proactive: false });
      const views = rig.client.withBase?.(rig.emu.otherOrigin) ?? [];
      expect(views.length).toBeGreaterThan(0);
      for (const { what, client } of views) {
        const response = await client.request({ url: 'landing' });
        expect(response.status, what).toBe(200);
        expect(echoOf(response.body), what).toMatchObject({
          origin: rig.emu.otherOrigin,
          sawAuthorization: false,
        });
      }
      const elsewhere = rig.emu.counters.requestsSeenBy(rig.emu.otherOrigin);
      expect(elsewhere).toHaveLength(views.length);
      expect(elsewhere.filter((record) => record.authorization !== undefined)).toEqual([]);
      expect(rig.emu.counters.tokenCalls).toBe(0);
      // The premise: the client's own origin does get the token (after one refresh).
      const mine = await rig.client.request({ url: rig.api('/mine') });
      expect(echoOf(mine.body).tokenSerial).toBe(2);
      expect(rig.emu.counters.tokenCalls).toBe(1);
    },
  );

  s.scenario(
    'serializers',
    'redaction: no token, refresh token or client secret in any failure, through pino, winston, serialize-error, JSON and inspect',
    async () => {
      const rig = await s.rig({ tokens: 'fresh' });
      const { caught, keep } = catcher();
      // An API whose 401 body echoes the Authorization header it got (debug endpoints do).
      rig.use(
        http.get(rig.api('/echoes-401'), ({ request }) =>
          HttpResponse.json(
            { error: 'invalid_token', youSent: request.headers.get('authorization') },
            { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
          ),
        ),
      );
      keep('HTTP 500', (await rig.client.request({ url: rig.api('/status/500') })).error);
      // Refuses every token: refreshed, replayed, and the replay's 401 comes back.
      const replayed = await rig.client.request({ url: rig.api('/unauthorized') });
      expect(replayed.status).toBe(401);
      keep('401 after a replay', replayed.error);
      // The refreshed token then serves a request: in real use, so the echo's 401 below is an ordinary 401 (refresh,
      // replay) and not a second just-issued token rejected in a row, which the manager answers with a
      // TokenRejectedError instead of a refresh (adapters count the replay's token differently).
      expect((await rig.client.request({ url: rig.api('/in-use') })).status).toBe(200);
      const echoed = await rig.client.request({ url: rig.api('/echoes-401') });
      expect(echoed.status).toBe(401);
      keep('401 whose body echoes the token', echoed.error);
      keep('refused connection', await rejection(rig.client.request({ url: rig.api('/network-error') })));
      rig.emu.faults.apiLatency = () => 2_000;
      keep('client timeout', await rejection(rig.client.request({ url: rig.api('/slow'), timeoutMs: 200 })));
      const before = rig.emu.counters.apiRequests;
      const controller = new AbortController();
      const aborted = rejection(rig.client.request({ url: rig.api('/slow'), signal: controller.signal }));
      await eventually(
        () => rig.emu.counters.apiRequests === before + 1,
        'the slow request reaching the API',
      );
      controller.abort();
      keep('abort in flight', await aborted);
      rig.emu.faults.apiLatency = undefined;
      // The premise: every request carried a token, the echo really held one, and the error channels are real.
      for (const record of rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin)) {
        expect(record.authorization).toMatch(/^Bearer /);
      }
      expect(rig.emu.counters.successfulRefreshes).toBeGreaterThanOrEqual(2);
      expect(rig.secrets().length).toBeGreaterThanOrEqual(5);
      expect(caught.length).toBeGreaterThanOrEqual(3);
      expect(Object.keys(await renderings(new Error('x')))).toHaveLength(11);
      expect(await leaksOf(caught, rig.secrets())).toEqual([]);
    },
  );

  s.scenario(
    'unsafe-token',
    'a token with CR, LF or NUL is never sent and never shows in the error text: a typed error, nothing reaches the API',
    async () => {
      const rig = await s.rig({ tokens: 'fresh' });
      for (const [what, bad] of [
        ['CR LF', 'tok-9f3a1c\r\nX-Injected: yes'],
        ['LF', 'tok-7be204\nX-Injected: yes'],
        ['NUL', 'tok-41d8e6\u0000tail'],
      ] as const) {
        const manager = createTokenManager({
          refresh: async () => ({ accessToken: bad, refreshToken: 'rt-unsafe-0c2f91', expiresIn: 3_600 }),
          random: () => 0.5,
        });
        try {
          const client = rig.clientWith({ manager });
          const error = await rejection(client.request({ url: rig.api(`/unsafe/${what}`) }));
          expect(isTokenRelayError(client.unwrapError(error)), what).toBe(true);
          const secrets = [bad, bad.slice(0, 10)];
          expect(await leaksOf([{ what, error }], secrets)).toEqual([]);
        } finally {
          manager.dispose();
        }
      }
      expect(rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin)).toEqual([]);
    },
  );

  s.scenario(
    'cross-origin-headers',
    'cross-origin redirects drop Authorization, Proxy-Authorization, Cookie and a custom token header',
    async () => {
      const rig = await s.rig({ tokens: 'fresh', server: { captureRequests: true } });
      const other = rig.emu.otherOrigin;
      const credentials = {
        cookie: 'session=c00k1e-5ecret',
        'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
      };
      for (const status of [302, 307]) {
        const location = encodeURIComponent(`${other}/landing/${status}`);
        const response = await rig.client.request({
          url: rig.api(`/redirect-to/${status}?location=${location}`),
          headers: credentials,
        });
        expect(response.status, String(status)).toBe(200);
      }
      // A redirect the API answers without asking for a token, for a client that sends it in another header.
      const hopSaw: (string | null)[] = [];
      rig.use(
        http.get(rig.api('/hop'), ({ request }) => {
          hopSaw.push(request.headers.get('x-api-token'));
          return new Response(null, { status: 302, headers: { location: `${other}/landing/custom` } });
        }),
      );
      const custom = rig.clientWith({ headerName: 'X-Api-Token' });
      const hop = await custom.request({ url: rig.api('/hop'), headers: credentials });
      expect(hop.status).toBe(200);
      // The premise: the first hop carried the token in the custom header.
      expect(hopSaw).toEqual([expect.stringMatching(/^Bearer /)]);
      const api = rig.emu.counters.requestLog.filter((r) => r.origin === rig.emu.apiOrigin);
      const landed = rig.emu.counters.requestsSeenBy(other);
      expect(landed).toHaveLength(3);
      for (const record of landed) {
        const headers = record.headers ?? {};
        expect(
          ['authorization', 'proxy-authorization', 'cookie', 'x-api-token'].filter((name) => name in headers),
          record.path,
        ).toEqual([]);
      }
      // The premise: the API itself got the caller's cookie with the token.
      const first = api.find((r) => r.path.startsWith('/redirect-to/302'));
      expect(first?.headers?.cookie).toBe(credentials.cookie);
      expect(first?.headers?.authorization).toMatch(/^Bearer /);
    },
  );

  s.scenario(
    'client-timeout',
    "the client's own timeout bounds the wait for a refresh: its own timeout error, the wait as cause",
    async () => {
      const rig = await s.rig({ tokens: 'expired', gate: never, queue: { waitTimeoutMs: 8_000 } });
      const started = Date.now();
      const error = await rejection(rig.client.request({ url: rig.api('/waits'), timeoutMs: 300 }));
      const elapsed = Date.now() - started;
      expect(rig.client.isTimeoutError(error)).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3_000);
      expect(rig.emu.counters.apiRequests).toBe(0);
      await eventually(() => rig.manager.waiting === 0, 'the timed-out request leaving the queue');

      // A manager-like object (a resolver may hand one over, or a manager of another copy of the core) that knows
      // nothing of `timeoutMs`: the client's timeout still ends the wait, on time.
      const { manager } = rig;
      const unaware: TokenManager = {
        ...manager,
        getAccessToken: ({ timeoutMs: _ignored, ...options } = {}) => manager.getAccessToken(options),
        refresh: ({ timeoutMs: _ignored, ...options } = {}) => manager.refresh(options),
        peekAccessToken: () => manager.peekAccessToken(),
      };
      const from = Date.now();
      const late = await rejection(
        rig.clientWith({ manager: unaware }).request({ url: rig.api('/waits-too'), timeoutMs: 300 }),
      );
      expect(rig.client.isTimeoutError(late)).toBe(true);
      expect(Date.now() - from).toBeGreaterThanOrEqual(250);
      expect(Date.now() - from).toBeLessThan(3_000);
      expect(rig.emu.counters.apiRequests).toBe(0);
    },
  );

  s.scenario(
    'client-timeout-timers',
    "the client's own timeout costs no timer per waiting request: 300 requests wait for one refresh, then all succeed",
    async () => {
      const { gate, open } = createGate();
      const rig = await s.rig({ tokens: 'expired', gate, queue: { waitTimeoutMs: 20_000 } });
      // Every timer started while the requests wait, by anyone in this process (the adapter, the client, the manager).
      const started: string[] = [];
      const { setTimeout: realSetTimeout } = globalThis;
      globalThis.setTimeout = ((...args: Parameters<typeof realSetTimeout>) => {
        started.push(String(args[1]));
        return realSetTimeout(...args);
      }) as typeof realSetTimeout;
      let results: Promise<Awaited<ReturnType<typeof rig.client.request>>[]>;
      try {
        results = Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            rig.client.request({ url: rig.api(`/w/${i}`), timeoutMs: 15_000 }),
          ),
        );
        await eventually(() => rig.manager.waiting === 300, 'the 300 requests waiting for the refresh');
        // An adapter that arms its timer a turn later (setImmediate) has armed it by now.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        globalThis.setTimeout = realSetTimeout;
      }
      // The manager's queue timer and a few of the test's own polls: a constant, not one per request.
      expect(started.length).toBeLessThan(30);
      open();
      const done = await results;
      expect(done.map((r) => r.status)).toEqual(Array.from({ length: 300 }, () => 200));
      expect(rig.emu.counters.tokenCalls).toBe(1);
    },
    30_000,
  );

  s.scenario(
    'manager-resolver',
    'a manager per request (resolver): two users, each request carries only its own user’s token',
    async () => {
      const rig = await s.rig({ tokens: 'fresh' });
      const users = { alice: rig.manager, bob: rig.newUser() };
      const client = rig.clientWith({ managerOf: (user) => (user === 'bob' ? users.bob : users.alice) });
      rig.emu.expireAccessTokens();
      const names = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 'bob' : 'alice'));
      const results = await Promise.all(
        names.map((user, i) => client.request({ url: rig.api(`/of/${user}/${i}`), user })),
      );
      expect(results.map((r) => r.status)).toEqual(names.map(() => 200));
      const alice = (await users.alice.getAccessToken()).token;
      const bob = (await users.bob.getAccessToken()).token;
      expect(alice).not.toBe(bob);
      for (const record of rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin)) {
        if (record.status !== 200) continue;
        const expected = record.path.startsWith('/of/bob/') ? bob : alice;
        expect(record.authorization, record.path).toBe(`Bearer ${expected}`);
      }
      // One refresh per user, no refresh token used twice.
      expect(rig.emu.counters.successfulRefreshes).toBe(2);
      expect(rig.emu.counters.reuseDetections).toBe(0);
    },
  );
}
