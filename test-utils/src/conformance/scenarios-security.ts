/**
 * Where the token and the refresh token may go: only to the API's exact origin (scheme, host and port), never
 * along a redirect to another origin, and the refresh token only to the authorization server.
 */
import { expect } from 'vitest';
import type { ApiEcho, ApiRequestRecord } from '../oauth-types.ts';
import type { Rig, SuiteContext } from './harness.ts';

const API_ORIGIN = 'https://api.example.test';
const HTTP_API = 'http://api.example.test';
const OTHER_PORT = 'https://api.example.test:8443';
const SUBDOMAIN = 'https://sub.api.example.test';
const LOOK_ALIKE = 'https://api.example.test.evil.test';

/** Origins a careless comparison (prefix, suffix, host only) would mistake for the API's. */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  'http of the https API host': HTTP_API,
  'the API host on another port': OTHER_PORT,
  'a subdomain of the API host': SUBDOMAIN,
  'the parent domain': 'https://example.test',
  'a look-alike host': LOOK_ALIKE,
};

const SERVER = { apiOrigin: API_ORIGIN, echoOrigins: Object.values(LOOK_ALIKES) };

const echoOf = (body: unknown): Partial<ApiEcho> => body as Partial<ApiEcho>;

/** Every record of an origin that got an Authorization header, as `origin path`. */
const withAuthorization = (records: readonly ApiRequestRecord[]): string[] =>
  records.filter((r) => r.authorization !== undefined).map((r) => `${r.origin}${r.path}`);

/** `{api}/redirect-to/{status}?location=<target>` */
const redirectTo = (rig: Rig, status: number, target: string): string =>
  rig.api(`/redirect-to/${status}?location=${encodeURIComponent(target)}`);

export function securityScenarios(s: SuiteContext): void {
  s.scenario(
    'exact-origins',
    'exact origins: scheme, port, subdomain, parent and look-alike hosts get no token and start no refresh',
    async () => {
      // The manager knows its token expired: asking it for one for any of these requests would start a refresh.
      const rig = await s.rig({ tokens: 'expired', proactive: false, server: SERVER });
      for (const [what, origin] of Object.entries(LOOK_ALIKES)) {
        const get = await rig.client.request({ url: `${origin}/items?q=1` });
        expect(get.status, what).toBe(200);
        expect(echoOf(get.body), what).toMatchObject({ origin, sawAuthorization: false });
        const post = await rig.client.request({ method: 'POST', url: `${origin}/items`, json: { n: 1 } });
        expect(post.status, what).toBe(200);
        expect(echoOf(post.body), what).toMatchObject({ body: { n: 1 }, sawAuthorization: false });
        // A Bearer 401 from there is returned as it is: no refresh, no replay.
        const unauthorized = await rig.client.request({ url: `${origin}/status/401` });
        expect(unauthorized.status, what).toBe(401);
        expect(rig.emu.counters.requestsSeenBy(origin), what).toHaveLength(3);
      }
      expect(withAuthorization(rig.emu.counters.requestLog)).toEqual([]);
      expect(rig.emu.counters.tokenCalls).toBe(0);
      expect(rig.emu.counters.apiRequests).toBe(0);
      // The premise: a request to the API itself does refresh and carry the token, also with the default port
      // written out and the host in capitals (the same origin).
      for (const url of [rig.api('/mine'), 'https://API.example.test:443/mine']) {
        const mine = await rig.client.request({ url });
        expect(mine.status, url).toBe(200);
        expect(echoOf(mine.body).tokenSerial, url).toBe(2);
      }
      expect(rig.emu.counters.tokenCalls).toBe(1);
      const api = rig.emu.counters.requestsSeenBy(API_ORIGIN);
      expect(api.map((r) => r.authorization?.replace(/ .*/, ''))).toEqual(['Bearer', 'Bearer']);
    },
  );

  s.scenario(
    'redirects',
    'redirects: 301/302/303/307/308 to another origin or a subdomain of the API carry no token',
    async () => {
      const rig = await s.rig({ tokens: 'fresh', server: SERVER });
      let sent = 0;
      for (const target of [rig.emu.otherOrigin, SUBDOMAIN]) {
        for (const status of [301, 302, 303, 307, 308]) {
          const what = `GET ${status} to ${target}`;
          const get = await rig.client.request({
            url: redirectTo(rig, status, `${target}/landing?s=${status}`),
          });
          expect(get.status, what).toBe(200);
          expect(echoOf(get.body), what).toMatchObject({ origin: target, sawAuthorization: false });
          sent += 1;
        }
        for (const status of [307, 308]) {
          const what = `POST ${status} to ${target}`;
          const url = redirectTo(rig, status, `${target}/landing`);
          const post = await rig.client.request({ method: 'POST', url, json: { kept: status } });
          expect(post.status, what).toBe(200);
          expect(echoOf(post.body), what).toMatchObject({
            method: 'POST',
            body: { kept: status },
            sawAuthorization: false,
          });
          sent += 1;
        }
      }
      // Redirects to the API host over http and on another port, and to a look-alike host.
      for (const target of [HTTP_API, OTHER_PORT, LOOK_ALIKE]) {
        const get = await rig.client.request({ url: redirectTo(rig, 302, `${target}/landing`) });
        expect(get.status, target).toBe(200);
        expect(echoOf(get.body), target).toMatchObject({ origin: target, sawAuthorization: false });
        sent += 1;
      }
      // The API got the token on every redirecting request, so the checks above mean something.
      const api = rig.emu.counters.requestsSeenBy(API_ORIGIN);
      expect(api).toHaveLength(sent);
      for (const record of api) expect(record.authorization).toMatch(/^Bearer /);
      const elsewhere = rig.emu.counters.requestLog.filter((r) => r.origin !== API_ORIGIN);
      expect(elsewhere).toHaveLength(sent);
      expect(withAuthorization(elsewhere)).toEqual([]);
      expect(rig.emu.counters.tokenCalls).toBe(0);
    },
  );

  s.scenario(
    'refresh-token-scope',
    'refresh tokens go to the token endpoint only: none in any header or body the API or others saw',
    async () => {
      const rig = await s.rig({ tokens: 'server-expired', server: { ...SERVER, captureRequests: true } });
      const other = rig.emu.otherOrigin;
      for (const wave of [0, 1, 2]) {
        if (wave > 0) rig.emu.expireAccessTokens();
        const results = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => {
            if (i % 5 === 1)
              return rig.client.request({ method: 'POST', url: rig.api('/things'), json: { i } });
            if (i % 5 === 2) return rig.client.request({ url: redirectTo(rig, 307, `${other}/hop?i=${i}`) });
            if (i % 5 === 3)
              return rig.client.request({ method: 'PUT', url: `${other}/things/${i}`, json: { i } });
            return rig.client.request({ url: rig.api(`/items/${wave}/${i}`) });
          }),
        );
        for (const result of results)
          expect(result).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
      }
      expect(rig.emu.counters.successfulRefreshes).toBe(3);
      expect(rig.emu.counters.reuseDetections).toBe(0);
      const refreshTokens = rig.emu.issuedRefreshTokens();
      expect(refreshTokens).toHaveLength(4); // the login's and three rotated ones
      const secrets = [...refreshTokens, rig.emu.clientSecret];
      const leaks: string[] = [];
      const log = rig.emu.counters.requestLog;
      for (const record of log) {
        if (record.origin === rig.emu.authOrigin) continue;
        const texts = [
          ...Object.entries(record.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
          record.body ?? '',
        ];
        for (const secret of secrets) {
          if (texts.some((text) => text.includes(secret))) {
            leaks.push(`${record.method} ${record.origin}${record.path}: secret #${secrets.indexOf(secret)}`);
          }
        }
      }
      expect(leaks).toEqual([]);
      // The premise: the log holds headers and bodies, and the token endpoint did see refresh tokens.
      const atApi = log.filter((r) => r.origin === API_ORIGIN);
      expect(atApi.some((r) => r.headers?.authorization?.startsWith('Bearer ') && r.body === '')).toBe(true);
      expect(atApi.some((r) => r.body?.includes('"i":'))).toBe(true);
      const tokenBodies = log.filter((r) => r.origin === rig.emu.authOrigin).map((r) => r.body ?? '');
      expect(tokenBodies.filter((body) => refreshTokens.some((t) => body.includes(t)))).toHaveLength(3);
    },
  );
}
