/** Time and the waiter queue: token endpoint 503s, proactive refresh, abort, wait timeout, queue bound. */
import { isTokenRelayError } from '@tokenrelay/core';
import { expect } from 'vitest';
import { createFakeClock } from '../fake-clock.ts';
import type { ApiEcho } from '../oauth-types.ts';
import { createGate, driveClock, eventually, type SuiteContext, statuses, tracked } from './harness.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Settles to the unwrapped error, or fails the test if the request succeeded. */
const failure = async (request: Promise<unknown>, unwrap: (error: unknown) => unknown): Promise<unknown> =>
  request.then(
    () => {
      throw new Error('the request succeeded; it should have failed');
    },
    (error: unknown) => unwrap(error),
  );

export function waitingScenarios(s: SuiteContext): void {
  s.scenario(
    'token-endpoint-503',
    'token endpoint 503 + Retry-After twice, then OK: all succeed',
    async () => {
      const clock = createFakeClock();
      const rig = await s.rig({ tokens: 'expired', clock });
      rig.emu.faults.enqueue(
        { type: 'status', status: 503, retryAfterSeconds: 2 },
        { type: 'status', status: 503, retryAfterSeconds: 2 },
      );
      const requests = tracked(range(10).map((i) => rig.client.request({ url: rig.api(`/after-503/${i}`) })));
      await driveClock(clock, requests.settled, { stepMs: 250, maxMs: 20_000 });
      expect(statuses(await requests.all)).toEqual(range(10).map(() => 200));
      expect(rig.emu.counters.tokenCalls).toBe(3);
      expect(rig.emu.counters.successfulRefreshes).toBe(1);
      // Retry-After was honoured: each retry came at least 2 s (fake time) after the 503.
      const [first = 0, second = 0, third = 0] = rig.tokenCallTimes;
      expect(second - first).toBeGreaterThanOrEqual(2_000);
      expect(third - second).toBeGreaterThanOrEqual(2_000);
    },
  );

  s.scenario(
    'proactive',
    'proactive: the token is refreshed before it expires; no request sees a 401',
    async () => {
      const clock = createFakeClock();
      const rig = await s.rig({ tokens: 'fresh', clock }); // 60 s tokens: refreshed 30 s before expiry
      const start = clock.now();
      const serial = async (path: string): Promise<number | undefined> => {
        const response = await rig.client.request({ url: rig.api(path) });
        expect(response.status).toBe(200);
        return (response.body as Partial<ApiEcho>).tokenSerial;
      };
      expect(await serial('/p/0')).toBe(1);
      // Requests at 31 s, 60.5 s (the first token has expired), 64.5 s and 95.5 s of fake time.
      const serials: (number | undefined)[] = [];
      for (const step of [31_000, 29_500, 4_000, 31_000]) {
        await clock.advance(step);
        await eventually(() => rig.manager.state === 'idle', 'no refresh in flight');
        serials.push(await serial(`/p/${serials.length + 1}`));
      }
      expect(serials[0]).toBe(2);
      expect([...serials].sort((a = 0, b = 0) => a - b)).toEqual(serials);
      expect(rig.emu.counters.unauthorized).toBe(0);
      expect(rig.emu.counters.tokenCalls).toBeGreaterThanOrEqual(2);
      expect(serials.at(-1)).toBe(rig.emu.counters.successfulRefreshes + 1);
      // Each token was refreshed before it expired: the first at start + 60 s, each next one 60 s after it was issued.
      rig.tokenCallTimes.forEach((at, i) => {
        expect(at).toBeLessThan((i === 0 ? start : (rig.tokenCallTimes[i - 1] ?? start)) + 60_000);
      });
    },
  );

  s.scenario(
    'abort-timeout-queue',
    'abort: an aborted waiting request leaves the queue at once',
    async () => {
      const { gate, open } = createGate();
      const rig = await s.rig({ tokens: 'expired', gate });
      const kept = rig.client.request({ url: rig.api('/kept') });
      const controller = new AbortController();
      let abortedSettled = false;
      const aborted = failure(
        rig.client.request({ url: rig.api('/aborted'), signal: controller.signal }),
        (error) => error,
      ).finally(() => {
        abortedSettled = true;
      });
      await eventually(() => rig.manager.waiting === 2, 'both requests waiting for the refresh');
      controller.abort();
      expect(rig.manager.waiting).toBe(1);
      await eventually(() => abortedSettled, 'the aborted request settles while the refresh is still held');
      // It rejects as the client rejects an aborted request, not as a token error.
      expect(isTokenRelayError(rig.client.unwrapError(await aborted))).toBe(false);
      open();
      expect((await kept).status).toBe(200);
      expect(rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin).map((r) => r.path)).toEqual(['/kept']);
    },
  );

  s.scenario(
    'abort-timeout-queue',
    'wait timeout: a request waiting too long gets WaitTimeoutError',
    async () => {
      const clock = createFakeClock();
      const { gate } = createGate(); // never opens
      const rig = await s.rig({ tokens: 'expired', clock, gate, queue: { waitTimeoutMs: 5_000 } });
      let settled = false;
      const result = failure(rig.client.request({ url: rig.api('/slow') }), rig.client.unwrapError).finally(
        () => {
          settled = true;
        },
      );
      await eventually(() => rig.manager.waiting === 1, 'the request waiting for the refresh');
      await clock.advance(4_999);
      expect(settled).toBe(false);
      await clock.advance(1);
      const error = await result;
      expect(isTokenRelayError(error, 'WAIT_TIMEOUT')).toBe(true);
      expect(rig.manager.waiting).toBe(0);
      expect(rig.emu.counters.apiRequests).toBe(0);
    },
  );

  s.scenario('abort-timeout-queue', 'queue bound: one request too many gets QueueFullError', async () => {
    const { gate, open } = createGate();
    const rig = await s.rig({ tokens: 'expired', gate, queue: { maxWaiters: 3 } });
    const waiting = range(3).map((i) => rig.client.request({ url: rig.api(`/queued/${i}`) }));
    await eventually(() => rig.manager.waiting === 3, 'three requests waiting');
    const error = await failure(
      rig.client.request({ url: rig.api('/one-too-many') }),
      rig.client.unwrapError,
    );
    expect(isTokenRelayError(error, 'QUEUE_FULL')).toBe(true);
    open();
    expect(statuses(await Promise.allSettled(waiting))).toEqual([200, 200, 200]);
    expect(rig.emu.counters.requestsSeenBy(rig.emu.apiOrigin).map((r) => r.path)).not.toContain(
      '/one-too-many',
    );
  });
}
