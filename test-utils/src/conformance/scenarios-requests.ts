/** What one request does: origins and redirects, body replay, the second 401, the client's retry, opt-out. */
import { expect } from 'vitest';
import type { ApiEcho } from '../oauth-types.ts';
import { type SuiteContext, statuses } from './harness.ts';

const echoOf = (body: unknown): Partial<ApiEcho> => body as Partial<ApiEcho>;

export function requestScenarios(s: SuiteContext): void {
  s.scenario('origins', 'origins: an absolute URL to another origin goes out without the token', async () => {
    const rig = await s.rig({ tokens: 'server-expired' });
    const response = await rig.client.request({ url: rig.other('/elsewhere') });
    expect(response.status).toBe(200);
    expect(echoOf(response.body).sawAuthorization).toBe(false);
    // Nothing was refreshed for it, and the API origin saw nothing.
    expect(rig.emu.counters.tokenCalls).toBe(0);
    expect(rig.emu.counters.apiRequests).toBe(0);
  });

  s.scenario('origins', 'origins: a redirect to another host does not take the token along', async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    const get = await rig.client.request({ url: rig.api('/redirect/302/landing?x=1') });
    expect(get.status).toBe(200);
    expect(echoOf(get.body).origin).toBe(rig.emu.otherOrigin);
    expect(echoOf(get.body).sawAuthorization).toBe(false);
    const post = await rig.client.request({
      method: 'POST',
      url: rig.api('/redirect/307/landing'),
      json: { kept: true },
    });
    expect(post.status).toBe(200);
    expect(echoOf(post.body)).toMatchObject({
      method: 'POST',
      body: { kept: true },
      sawAuthorization: false,
    });
    // The API got the token on the redirecting requests, so the checks above mean something.
    const api = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin);
    expect(api.map((r) => r.status)).toEqual([302, 307]);
    for (const record of api) expect(record.authorization).toMatch(/^Bearer /);
    const other = rig.emu.counters.requestsSeenBy(rig.emu.otherOrigin);
    expect(other).toHaveLength(2);
    for (const record of other) expect(record.authorization).toBeUndefined();
  });

  s.scenario('post-replay', 'POST/PUT replayed after a 401 with the same body and content type', async () => {
    const rig = await s.rig({ tokens: 'server-expired' });
    const payload = { name: 'tokenrelay', items: [1, 2, 3], nested: { ok: true }, text: 'quote " and é' };
    const post = await rig.client.request({ method: 'POST', url: rig.api('/things'), json: payload });
    expect(post.status).toBe(200);
    expect(echoOf(post.body)).toMatchObject({ method: 'POST', body: payload });
    expect(echoOf(post.body).contentType).toMatch(/^application\/json/i);
    // A JSON string body shows any second serialization at once.
    const text = 'a "quoted" string';
    const put = await rig.client.request({ method: 'PUT', url: rig.api('/things/1'), json: text });
    expect(put.status).toBe(200);
    expect(echoOf(put.body)).toMatchObject({ method: 'PUT', body: text });
    expect(echoOf(put.body).contentType).toMatch(/^application\/json/i);
    const things = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin).filter((r) => r.path === '/things');
    expect(things.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 401', 'POST 200']);
    expect(rig.emu.counters.tokenCalls).toBe(1);
  });

  s.scenario('second-401', 'a second 401 after the replay is returned as it is: no loop', async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    const response = await rig.client.request({ url: rig.api('/status/401') });
    expect(response.status).toBe(401);
    expect(rig.emu.counters.tokenCalls).toBe(1);
    const seen = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin);
    expect(seen.map((r) => `${r.path} ${r.status}`)).toEqual(['/status/401 401', '/status/401 401']);
    // The replay went out with the new token.
    expect(seen[1]?.authorization).toMatch(/^Bearer /);
    expect(seen[1]?.authorization).not.toBe(seen[0]?.authorization);
    // The client keeps working with the new token.
    const next = await rig.client.request({ url: rig.api('/fine') });
    expect(next.status).toBe(200);
    expect(echoOf(next.body).tokenSerial).toBe(2);
    expect(rig.emu.counters.tokenCalls).toBe(1);
  });

  s.scenario('client-retry', "the client's own 5xx retry works and does not multiply refreshes", async () => {
    const rig = await s.rig({ tokens: 'server-expired' });
    rig.emu.faults.unavailableRemaining = 10;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => rig.client.request({ url: rig.api(`/unavailable?i=${i}`) })),
    );
    expect(statuses(results)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(rig.emu.counters.tokenCalls).toBe(1);
    const seen = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin);
    expect(seen.filter((r) => r.status === 503)).toHaveLength(10);
  });

  s.scenario('opt-out', 'per-request opt-out: no Authorization header, no refresh on its 401', async () => {
    const rig = await s.rig({ tokens: 'server-expired' });
    const response = await rig.client.request({ url: rig.api('/public'), optOut: true });
    expect(response.status).toBe(401);
    const post = await rig.client.request({
      method: 'POST',
      url: rig.api('/public-post'),
      json: { a: 1 },
      optOut: true,
    });
    expect(post.status).toBe(401);
    const seen = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin);
    expect(seen.map((r) => r.path)).toEqual(['/public', '/public-post']);
    for (const record of seen) expect(record.authorization).toBeUndefined();
    expect(rig.emu.counters.tokenCalls).toBe(0);
    // A request that does not opt out still refreshes.
    expect((await rig.client.request({ url: rig.api('/private') })).status).toBe(200);
    expect(rig.emu.counters.tokenCalls).toBe(1);
  });
}
