/** No token or secret in any error a caller receives, however it is printed. */
import { isTokenRelayError } from '@tokenrelay/core';
import { expect } from 'vitest';
import { createGate, eventually, type SuiteContext } from './harness.ts';
import { type Caught, catcher, leaksOf, rejection } from './renderings.ts';

const expectNoSecrets = async (caught: readonly Caught[], secrets: readonly string[]): Promise<void> => {
  expect(await leaksOf(caught, secrets)).toEqual([]);
};

export function redactionScenarios(s: SuiteContext): void {
  s.scenario('redaction', "redaction: no token or secret in the client's own errors", async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    const { caught, keep } = catcher();
    // Responses the client throws for: after a replay (new token), and a plain 500 (old token).
    const second401 = await rig.client.request({ url: rig.api('/status/401') });
    expect(second401.status).toBe(401);
    keep('second 401', second401.error);
    const serverError = await rig.client.request({ url: rig.api('/status/500') });
    expect(serverError.status).toBe(500);
    keep('500', serverError.error);
    // Aborted while the API is answering: the request carried the token.
    rig.emu.faults.apiLatency = () => 2_000;
    const before = rig.emu.counters.apiRequests;
    const controller = new AbortController();
    const aborted = rejection(rig.client.request({ url: rig.api('/slow'), signal: controller.signal }));
    await eventually(() => rig.emu.counters.apiRequests === before + 1, 'the slow request reaching the API');
    controller.abort();
    keep('aborted in flight', await aborted);
    expect(rig.secrets().length).toBeGreaterThanOrEqual(4); // client secret, 2 access + 2 refresh tokens
    await expectNoSecrets(caught, rig.secrets());
  });

  s.scenario(
    'redaction',
    'redaction: no token or secret in a 403, a 503, a network error or an abort while waiting',
    async () => {
      const rig = await s.rig({ tokens: 'fresh' });
      // fetch resolves for every status: its responses come with no error.
      const { caught, keep } = catcher();
      const forbidden = await rig.client.request({ url: rig.api('/forbidden') });
      expect(forbidden.status).toBe(403);
      keep('403', forbidden.error);
      const unavailable = await rig.client.request({ url: rig.api('/status/503') });
      expect(unavailable.status).toBe(503);
      keep('503', unavailable.error);
      const post = await rig.client.request({ method: 'POST', url: rig.api('/status/502'), json: { a: 1 } });
      expect(post.status).toBe(502);
      keep('502 (POST)', post.error);
      keep('network error', await rejection(rig.client.request({ url: rig.api('/network-error') })));
      const networkPost = rig.client.request({
        method: 'POST',
        url: rig.api('/network-error'),
        json: { a: 1 },
      });
      keep('network error (POST)', await rejection(networkPost));
      // The token sent with each of them: they were sent with it, so a leak would show.
      const sent = rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin);
      expect(sent.length).toBeGreaterThanOrEqual(5);
      for (const record of sent) expect(record.authorization).toMatch(/^Bearer /);
      await expectNoSecrets(caught, rig.secrets());
    },
  );

  s.scenario(
    'redaction',
    'redaction: no token or secret in an abort while waiting for a refresh',
    async () => {
      const { gate, open } = createGate();
      const rig = await s.rig({ tokens: 'server-expired', gate });
      const controller = new AbortController();
      // A 401 with the old token, then waiting for the held refresh to replay.
      const waiting = rejection(rig.client.request({ url: rig.api('/waits'), signal: controller.signal }));
      await eventually(() => rig.manager.waiting === 1, 'the request waiting for the refresh');
      controller.abort();
      const aborted = await waiting;
      open();
      expect(rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin).map((r) => r.status)).toEqual([401]);
      await expectNoSecrets([{ what: 'aborted while waiting', error: aborted }], rig.secrets());
    },
  );

  s.scenario('redaction', 'redaction: no token or secret in tokenrelay errors', async () => {
    const rig = await s.rig({ tokens: 'server-expired' });
    rig.emu.revokeGrant();
    const reauth = await rejection(rig.client.request({ url: rig.api('/revoked') }));
    expect(isTokenRelayError(rig.client.unwrapError(reauth), 'REAUTH_REQUIRED')).toBe(true);
    const caught: Caught[] = [
      { what: 'reauth (as thrown)', error: reauth },
      { what: 'reauth (unwrapped)', error: rig.client.unwrapError(reauth) },
      { what: 'reauth cause', error: (rig.client.unwrapError(reauth) as Error).cause },
    ];
    await expectNoSecrets(caught, rig.secrets());
  });
}
